"""`manage.py fetch_ae` against a local stand-in for NHS England's site, with the shipped files.

The shipped data holds every month from April 2020 to February 2026. Each test removes (inside
its own rolled-back transaction) what it needs to be new: February 2026 for a new month, the
revised July 2025 for a revision.
"""

import csv
import datetime as dt
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.utils import timezone

from sources.models import Fetch, Revision
from trusts.importers import import_files
from trusts.models import AdmissionWaits, AEActivity, Grain, SourceFile
from trusts.services import content_digest

from .months import (
    FEBRUARY,
    FEBRUARY_FILE,
    JANUARY_FILE,
    JULY,
    JULY_FIRST,
    JULY_REVISED,
    forget,
    page_with,
)
from .publisher import FIRST_RELEASES, SHIPPED, Answer, shipped

pytestmark = pytest.mark.django_db


def file_totals(body: bytes) -> tuple[int, int]:
    """England's attendances and over-4-hour counts for a month, added up from the CSV itself:
    each department type's attendances plus its booked appointments, the TOTAL row left out."""
    attendances = over = 0
    for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig"))):
        if row["Org Code"].strip().casefold() == "total":
            continue
        for attendance_kind, over_kind in (
            ("Type 1", "Type 1"),
            ("Type 2", "Type 2"),
            ("Other A&E Department", "Other Department"),
        ):
            booked_kind = attendance_kind.replace(" A&E", "")
            attendances += int(row[f"A&E attendances {attendance_kind}"])
            attendances += int(row[f"A&E attendances Booked Appointments {booked_kind}"])
            over += int(row[f"Attendances over 4hrs {over_kind}"])
            over += int(row[f"Attendances over 4hrs Booked Appointments {over_kind}"])
    return attendances, over


def month_totals(month: dt.date) -> tuple[int, int]:
    totals = AEActivity.objects.filter(grain=Grain.MONTH, period_start=month).aggregate(
        a=Sum("attendances"), o=Sum("over_4h")
    )
    return totals["a"] or 0, totals["o"] or 0


def stored_figures() -> dict:
    return AEActivity.objects.aggregate(
        rows=Count("id"), attendances=Sum("attendances"), over=Sum("over_4h")
    ) | {"waits": AdmissionWaits.objects.count()}


def fetch(*args: str) -> str:
    out = io.StringIO()
    call_command("fetch_ae", *args, stdout=out)
    return out.getvalue()


def fetch_failing(*args: str) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("fetch_ae", *args, stdout=out)
    return out.getvalue() + str(failure.value)


def test_a_new_month_is_found_fetched_and_imported(publisher, february_is_new):
    body = shipped(FEBRUARY_FILE)
    publisher.serve_file(f"/files/{FEBRUARY_FILE}", body)
    publisher.serve_file(f"/files/{JANUARY_FILE}", shipped(JANUARY_FILE))
    page_with(publisher, JANUARY_FILE, FEBRUARY_FILE)

    out = fetch("--year", "2025-26")

    assert month_totals(FEBRUARY) == file_totals(body)
    assert set(
        AEActivity.objects.filter(period_start=FEBRUARY).values_list("source_file", flat=True)
    ) == {FEBRUARY_FILE}
    outcomes = {(f.kind, f.month, f.outcome) for f in Fetch.objects.all()}
    assert outcomes == {
        (Fetch.Kind.PAGE, None, Fetch.Outcome.FOUND),
        (Fetch.Kind.FILE, dt.date(2026, 1, 1), Fetch.Outcome.UNCHANGED),
        (Fetch.Kind.FILE, FEBRUARY, Fetch.Outcome.IMPORTED),
    }
    imported = Fetch.objects.get(outcome=Fetch.Outcome.IMPORTED)
    assert imported.http_status == 200 and imported.size_bytes == len(body)
    assert imported.rows == len(body.decode("utf-8-sig").strip().splitlines()) - 1
    assert SourceFile.objects.filter(sha256=content_digest(body), name=FEBRUARY_FILE).exists()
    assert "2 monthly CSVs, January 2026 to February 2026" in out
    assert f"{FEBRUARY_FILE}: February 2026 imported" in out
    assert not Revision.objects.exists()


def test_a_second_run_changes_nothing(publisher, february_is_new):
    publisher.serve_file(f"/files/{FEBRUARY_FILE}", shipped(FEBRUARY_FILE))
    page_with(publisher, FEBRUARY_FILE)
    fetch("--year", "2025-26")
    after_first = stored_figures()

    out = fetch("--year", "2025-26")

    assert stored_figures() == after_first
    second = Fetch.objects.filter(kind=Fetch.Kind.FILE).first()
    assert second.outcome == Fetch.Outcome.UNCHANGED and second.http_status == 304
    assert "not changed since" in out and "(same ETag)" in out
    assert Fetch.objects.filter(outcome=Fetch.Outcome.IMPORTED).count() == 1


def test_a_file_already_imported_under_another_name_is_not_imported_again(
    publisher, february_is_new
):
    body = shipped(FEBRUARY_FILE)
    publisher.serve_file(f"/files/{FEBRUARY_FILE}", body)
    publisher.serve_file("/files/Monthly-AE-February-2026-copy.csv", body)
    page_with(publisher, FEBRUARY_FILE)
    fetch("--year", "2025-26")
    page_with(publisher, "Monthly-AE-February-2026-copy.csv")

    out = fetch("--year", "2025-26")

    assert f"the same bytes as {FEBRUARY_FILE}" in out
    assert not Revision.objects.exists()


def test_a_revised_file_replaces_its_month_and_records_the_revision(publisher, real_data):
    forget(JULY, JULY_REVISED)
    first, revised = shipped(JULY_FIRST, FIRST_RELEASES), shipped(JULY_REVISED)
    import_files([FIRST_RELEASES / JULY_FIRST])
    assert month_totals(JULY) == file_totals(first)
    publisher.serve_file(f"/files/{JULY_REVISED}", revised)
    page_with(publisher, JULY_REVISED)

    out = fetch("--year", "2025-26", "--month", "2025-07")

    assert month_totals(JULY) == file_totals(revised) != file_totals(first)
    july = AEActivity.objects.filter(grain=Grain.MONTH, period_start=JULY)
    assert set(july.values_list("source_file", flat=True)) == {JULY_REVISED}
    # data/SOURCES.md, file 11: RTD's Other-department attendances, 5421 first and 6401 revised
    # (its booked appointments are counted in as well, as NHS England's headline does).
    rtd_other = july.get(organisation__ods_code="RTD", department_type="other")
    assert rtd_other.attendances - (rtd_other.booked_attendances or 0) == 6401
    revision = Revision.objects.get()
    assert (revision.month, revision.source_file, revision.replaced_files) == (
        JULY,
        JULY_REVISED,
        JULY_FIRST,
    )
    assert (revision.attendances_before, revision.over_4h_before) == file_totals(first)
    assert (revision.attendances_after, revision.over_4h_after) == file_totals(revised)
    assert revision.fetch.outcome == Fetch.Outcome.REVISED
    assert f"{JULY_REVISED}: July 2025 revised; attendances {file_totals(first)[0]:,} → " in out


def test_a_dry_run_writes_nothing(publisher, february_is_new):
    publisher.serve_file(f"/files/{FEBRUARY_FILE}", shipped(FEBRUARY_FILE))
    page_with(publisher, FEBRUARY_FILE)
    before = stored_figures()

    out = fetch("--year", "2025-26", "--dry-run")

    assert "February 2026 would import" in out and "Dry run: nothing was written." in out
    assert stored_figures() == before
    assert not Fetch.objects.exists()


def test_a_missing_file_is_refused_with_its_status(publisher, february_is_new):
    page_with(publisher, FEBRUARY_FILE)  # the page links a file the server does not have
    before = stored_figures()

    out = fetch_failing("--year", "2025-26")

    assert stored_figures() == before
    refused = Fetch.objects.get(kind=Fetch.Kind.FILE)
    assert (refused.outcome, refused.http_status) == (Fetch.Outcome.REFUSED, 404)
    assert f"/files/{FEBRUARY_FILE}: the server answered HTTP 404 Not Found" in out
    assert "1 of 2 fetches did not import" in out


def test_a_missing_landing_page_is_refused(publisher, february_is_new):
    before = stored_figures()

    out = fetch_failing("--year", "2025-26")

    assert stored_figures() == before
    assert "/ae-2025-26/: the server answered HTTP 404 Not Found" in out
    assert Fetch.objects.get().kind == Fetch.Kind.PAGE


def test_a_year_without_a_landing_page_is_refused_by_name(publisher):
    with pytest.raises(CommandError, match="no landing page is set for 2019-20"):
        call_command("fetch_ae", "--year", "2019-20")


def test_a_server_error_is_retried_until_it_succeeds(publisher, february_is_new):
    path = f"/files/{FEBRUARY_FILE}"
    publisher.serve(path, Answer(status=500), Answer(body=shipped(FEBRUARY_FILE)))
    page_with(publisher, FEBRUARY_FILE)

    fetch("--year", "2025-26")

    assert publisher.requests.count(("GET", path)) == 2
    assert month_totals(FEBRUARY) == file_totals(shipped(FEBRUARY_FILE))
    assert Fetch.objects.filter(outcome=Fetch.Outcome.IMPORTED).count() == 1


def test_a_server_that_keeps_failing_is_given_up_on(publisher, february_is_new):
    path = f"/files/{FEBRUARY_FILE}"
    publisher.serve(path, Answer(status=503))
    page_with(publisher, FEBRUARY_FILE)
    before = stored_figures()

    out = fetch_failing("--year", "2025-26")

    assert publisher.requests.count(("GET", path)) == 3
    assert "gave up after 3 attempts; the last: HTTP 503 Service Unavailable" in out
    assert stored_figures() == before


def test_a_server_that_does_not_answer_in_time_is_given_up_on(publisher, february_is_new, settings):
    settings.AE_FETCH_TIMEOUT_SECONDS = 0.3
    settings.AE_FETCH_ATTEMPTS = 2
    publisher.serve(f"/files/{FEBRUARY_FILE}", Answer(body=shipped(FEBRUARY_FILE), delay=1.0))
    page_with(publisher, FEBRUARY_FILE)
    before = stored_figures()

    out = fetch_failing("--year", "2025-26")

    assert "gave up after 2 attempts; the last: no answer within 0.3 seconds" in out
    assert stored_figures() == before
    assert Fetch.objects.get(kind=Fetch.Kind.FILE).outcome == Fetch.Outcome.REFUSED


def test_an_oversized_file_is_refused(publisher, february_is_new, settings):
    settings.AE_FETCH_MAX_BYTES = 10_000
    body = shipped(FEBRUARY_FILE)
    publisher.serve_file(f"/files/{FEBRUARY_FILE}", body)
    page_with(publisher, FEBRUARY_FILE)
    before = stored_figures()

    out = fetch_failing("--year", "2025-26")

    assert f"{len(body):,} bytes is larger than the 10,000 allowed (AE_FETCH_MAX_BYTES)" in out
    assert stored_figures() == before


def test_a_malformed_file_names_the_line_and_imports_nothing(publisher, february_is_new):
    lines = shipped(FEBRUARY_FILE).decode("utf-8-sig").splitlines()
    cells = lines[5].split(",")
    cells[4] = "12x"  # A&E attendances Type 1
    lines[5] = ",".join(cells)
    publisher.serve_file(f"/files/{FEBRUARY_FILE}", "\n".join(lines).encode())
    page_with(publisher, FEBRUARY_FILE)
    before = stored_figures()

    out = fetch_failing("--year", "2025-26")

    assert f"{FEBRUARY_FILE}:6: A&E attendances Type 1: '12x' is not a whole number" in out
    assert stored_figures() == before
    assert Fetch.objects.get(kind=Fetch.Kind.FILE).outcome == Fetch.Outcome.INVALID


def test_a_file_for_another_month_than_its_link_says_is_refused(publisher, february_is_new):
    # The January file linked as February's: its Period column is what counts.
    publisher.serve_file("/files/February-2026-CSV-mislabelled.csv", shipped(JANUARY_FILE))
    page_with(publisher, "February-2026-CSV-mislabelled.csv")
    SourceFile.objects.filter(name=JANUARY_FILE).delete()
    before = stored_figures()

    out = fetch_failing("--year", "2025-26")

    assert "holds figures for January 2026, but the page links it as February 2026" in out
    assert stored_figures() == before


def test_a_file_of_another_layout_is_refused(publisher, february_is_new):
    body = (SHIPPED.parent / "nhsr_ae_attendances_2016-04_2019-03.csv").read_bytes()[:5000]
    publisher.serve_file("/files/February-2026-other.csv", body.rsplit(b"\n", 1)[0])
    page_with(publisher, "February-2026-other.csv")

    out = fetch_failing("--year", "2025-26")

    assert "February-2026-other.csv:1: header: is not the layout of NHS England monthly A&E" in out


def test_a_revision_removes_figures_its_month_no_longer_has(publisher, real_data):
    # A second revision of July 2025 in which RTD no longer reports an Other department.
    rows = list(csv.reader(io.StringIO(shipped(JULY_REVISED).decode("utf-8-sig"))))
    header = rows[0]
    other_columns = [
        header.index(name)
        for name in header
        if "Other" in name and name != "Other emergency admissions"
    ]
    assert len(other_columns) == 5
    for row in rows[1:]:
        if row[1] == "RTD":
            for position in other_columns:
                row[position] = "0"
    body = io.StringIO()
    csv.writer(body, lineterminator="\n").writerows(rows)
    publisher.serve_file("/files/July-2025-CSV-revised-2.csv", body.getvalue().encode())
    page_with(publisher, "July-2025-CSV-revised-2.csv")
    july = AEActivity.objects.filter(grain=Grain.MONTH, period_start=JULY)
    assert july.filter(organisation__ods_code="RTD", department_type="other").exists()

    fetch("--year", "2025-26", "--month", "2025-07")

    assert not july.filter(organisation__ods_code="RTD", department_type="other").exists()
    assert july.filter(organisation__ods_code="RTD", department_type="1").exists()
    revision = Revision.objects.get()
    assert (revision.replaced_files, revision.rows_removed) == (JULY_REVISED, 1)


def test_a_file_another_fetch_imported_meanwhile_is_not_imported_twice(publisher, february_is_new):
    # The other fetch committed its record after this one looked for the file's bytes among
    # those imported (SourceFile), and before this one wrote: its import must write nothing.
    body = shipped(FEBRUARY_FILE)
    publisher.serve_file(f"/files/{FEBRUARY_FILE}", body)
    page_with(publisher, FEBRUARY_FILE)
    now = timezone.now()
    Fetch.objects.create(
        kind=Fetch.Kind.FILE,
        url=publisher.base + f"/files/{FEBRUARY_FILE}",
        started_at=now,
        sha256=hashlib.sha256(body).hexdigest(),
        outcome=Fetch.Outcome.IMPORTED,
    )
    before = stored_figures()

    out = fetch("--year", "2025-26")

    assert "imported meanwhile by another fetch running at the same time" in out
    assert stored_figures() == before
    assert Fetch.objects.filter(outcome=Fetch.Outcome.IMPORTED).count() == 1
