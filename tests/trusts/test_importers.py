"""Bad input: every problem is reported as file:line: field: reason and nothing is written."""

import csv
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Sum

from trusts.importers import ImportFailed, import_files
from trusts.importers.ae import NhseMonthly
from trusts.models import AEActivity, Organisation

pytestmark = pytest.mark.django_db

NHSE_HEADER = NhseMonthly.EXAMPLE_HEADER
NHSR_HEADER = "period,org_code,type,attendances,breaches,admissions"


def write(tmp_path: Path, name: str, text: str, encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def errors_of(*paths) -> list[str]:
    # Unknown codes are allowed here, so that each test sees only the problems it planted.
    with pytest.raises(ImportFailed) as failure:
        import_files(list(paths), create_unknown=True)
    return [str(error) for error in failure.value.errors]


def test_each_column_of_a_monthly_csv_lands_in_its_own_field(tmp_path):
    from trusts.models import AdmissionWaits

    # A different figure in every column, so a figure read from the wrong column shows.
    path = write(
        tmp_path,
        "m.csv",
        NHSE_HEADER + "\nMSitAE-MAY-2021,ZC1,NHS ENGLAND MIDLANDS,Columns Test Site,"
        "1000,200,3000,101,21,301,41,7,311,23,13,97\n",
    )
    import_files([path], create_unknown=True)
    stored = {
        a.department_type: (a.attendances, a.over_4h, a.emergency_admissions)
        for a in AEActivity.objects.filter(organisation__ods_code="ZC1")
    }
    assert stored == {"1": (1000, 101, 311), "2": (200, 21, 23), "other": (3000, 301, 13)}
    waits = AdmissionWaits.objects.get(organisation__ods_code="ZC1")
    assert (waits.dta_4_to_12h, waits.dta_over_12h, waits.other_emergency_admissions) == (41, 7, 97)


def test_asked_to_it_makes_unknown_sites_of_an_official_monthly_csv_other_providers(tmp_path):
    path = write(
        tmp_path,
        "m.csv",
        NHSE_HEADER
        + "\nMSitAE-APRIL-2020,ZZ1,NHS ENGLAND LONDON ,SOME UTC,0,0,100,0,0,7,0,0,0,0,0,0\n"
        "TOTAl,TOTAL,TOTAL,TOTAL,0,0,100,0,0,7,0,0,0,0,0,0\n",
    )
    [result] = import_files([path], create_unknown=True)
    assert (result.rows, result.created) == (2, 2)  # the site and its one department type
    site = Organisation.objects.get(ods_code="ZZ1")
    assert (site.kind, site.name, site.region) == ("other_provider", "Some UTC", "London")
    activity = AEActivity.objects.get(organisation=site)
    assert (activity.department_type, activity.attendances, activity.over_4h) == ("other", 100, 7)


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, "r.csv", NHSR_HEADER + "\n2016-04-01,ZZ2,1,100,10,5\n")
    import_files([path], create_unknown=True)
    [again] = import_files([path], create_unknown=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_a_dry_run_counts_but_writes_nothing(tmp_path):
    path = write(tmp_path, "r.csv", NHSR_HEADER + "\n2016-04-01,ZZ2,1,100,10,5\n")
    [result] = import_files([path], dry_run=True, create_unknown=True)
    assert result.created == 2 and result.dry_run
    assert not Organisation.objects.filter(ods_code="ZZ2").exists()


def test_it_lists_every_bad_row_with_its_line_and_field(tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        NHSR_HEADER + "\n"
        "2016-04-01,ZZ3,1,-5,0,0\n"
        "2016-04-01,ZZ3,2,10,11,0\n"
        "01/04/2016,ZZ3,other,10,1,0\n"
        "2016-04-01,ZZ3,4,10,1,0\n"
        '2016-04-01,ZZ4,1,"1,234",1,0\n'
        "2016-04-01,ZZ4,2,ten,1,0\n"
        "2016-04-01,ZZ3,2,10,1,0\n",
    )
    assert errors_of(path) == [
        "bad.csv:2: attendances: -5 is negative",
        "bad.csv:3: over 4 hours (breaches): 11 is more than the 10 attendances",
        "bad.csv:4: period: '01/04/2016' is not a date written YYYY-MM-DD",
        "bad.csv:5: type: '4' is not 1, 2 or other",
        "bad.csv:6: attendances: '1,234' has a thousands separator; write 1234",
        "bad.csv:7: attendances: 'ten' is not a whole number",
        "bad.csv:8: period, org_code, type: duplicate of line 3 (ZZ3, 2016-04-01, 2)",
    ]
    assert not Organisation.objects.filter(ods_code__in=["ZZ3", "ZZ4"]).exists()


def test_a_bad_file_after_a_good_one_writes_neither(tmp_path):
    good = write(tmp_path, "good.csv", NHSR_HEADER + "\n2016-04-01,ZZ5,1,100,10,5\n")
    bad = write(tmp_path, "bad.csv", NHSR_HEADER + "\n2016-04-01,ZZ6,1,100,101,5\n")
    errors_of(good, bad)
    assert not AEActivity.objects.filter(organisation__ods_code__in=["ZZ5", "ZZ6"]).exists()


def test_an_unknown_layout_names_the_formats_it_can_read(tmp_path):
    path = write(tmp_path, "odd.csv", "trust,score\nA,1\n")
    [error] = errors_of(path)
    assert error.startswith("odd.csv:1: header: unknown column layout (trust, score)")
    assert "NHS England monthly A&E CSV" in error


def test_a_monthly_csv_missing_a_required_column_is_refused(tmp_path):
    header = NHSE_HEADER.replace("Attendances over 4hrs Type 2,", "")
    path = write(tmp_path, "m.csv", header + "\n")
    [error] = errors_of(path)
    assert error == "m.csv:1: header: missing columns: Attendances over 4hrs Type 2"


def test_a_byte_order_mark_and_crlf_line_endings_are_read(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(("\ufeff" + NHSR_HEADER + "\r\n2016-04-01,ZZ7,1,100,10,5\r\n").encode())
    [result] = import_files([path], create_unknown=True)
    assert result.format == "NHS-R monthly ae_attendances"


def test_a_file_not_in_utf8_is_refused_with_the_offending_byte(tmp_path):
    path = write(tmp_path, "latin.csv", NHSR_HEADER + "\n2016-04-01,Zé,1,100,10,5\n", "latin-1")
    [error] = errors_of(path)
    assert "latin.csv: file: not UTF-8 text" in error


def test_a_bad_period_in_a_monthly_csv_is_named(tmp_path):
    path = write(
        tmp_path, "m.csv", NHSE_HEADER + "\nMSitAE-SMARCH-2020,ZZ8,X,Y,1,0,0,0,0,0,0,0,0,0,0,0\n"
    )
    [error] = errors_of(path)
    assert error == "m.csv:2: Period: 'MSitAE-SMARCH-2020' is not a period like MSitAE-AUGUST-2025"


BOOKED_HEADER = (
    "Period,Org Code,Parent Org,Org name,"
    "A&E attendances Type 1,A&E attendances Type 2,A&E attendances Other A&E Department,"
    "A&E attendances Booked Appointments Type 1,A&E attendances Booked Appointments Type 2,"
    "A&E attendances Booked Appointments Other Department,"
    "Attendances over 4hrs Type 1,Attendances over 4hrs Type 2,"
    "Attendances over 4hrs Other Department,"
    "Attendances over 4hrs Booked Appointments Type 1,"
    "Attendances over 4hrs Booked Appointments Type 2,"
    "Attendances over 4hrs Booked Appointments Other Department,"
    "Patients who have waited 4-12 hs from DTA to admission,"
    "Patients who have waited 12+ hrs from DTA to admission,"
    "Emergency admissions via A&E - Type 1,Emergency admissions via A&E - Type 2,"
    "Emergency admissions via A&E - Other A&E department,Other emergency admissions"
)


def test_the_2025_release_with_booked_appointments_counts_them_in_performance(tmp_path):
    from trusts.selectors import ALL_TYPES, percent_within_4h, performance_by_organisation
    from trusts.windows import month_window

    # Type 1: 1,000 walk-in attendances (200 over four hours) and 50 booked (20 over);
    # no Type 2; Other: 300 walk-in (10 over) and 100 booked (5 over).
    path = write(
        tmp_path,
        "Monthly-AE-April-2025.csv",
        BOOKED_HEADER + "\n"
        "MSitAE-APRIL-2025,ZB1,NHS ENGLAND LONDON,Booked Test Site,"
        "1000,0,300,50,0,100,200,0,10,20,0,5,0,0,0,0,0,0\n"
        "TOTAL,TOTAL,TOTAL,TOTAL,1000,0,300,50,0,100,200,0,10,20,0,5,0,0,0,0,0,0\n",
    )
    import_files([path], create_unknown=True)
    stored = {
        a.department_type: (a.attendances, a.over_4h, a.booked_attendances, a.booked_over_4h)
        for a in AEActivity.objects.filter(organisation__ods_code="ZB1")
    }
    assert stored == {"1": (1000 + 50, 200 + 20, 50, 20), "other": (300 + 100, 10 + 5, 100, 5)}
    [site] = performance_by_organisation(month_window(2025, 4), types=ALL_TYPES, codes=["ZB1"])
    attendances, over_4h = 1000 + 50 + 300 + 100, 200 + 20 + 10 + 5
    assert (site.attendances, site.over_4h) == (attendances, over_4h)
    assert site.percent == percent_within_4h(attendances, over_4h) == Decimal("83.79")


def test_the_real_april_2025_release_adds_up_to_its_own_england_total(tmp_path, real_data):
    """NHS England's file carries its England total as a TOTAL row: every provider's
    attendances, booked ones included, must add up to it once imported."""
    source = settings.DATA_DIR / "nhse_monthly_ae_csv_2025" / "Monthly-AE-April-2025.csv"
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    [total] = [row for row in rows if row["Org Code"].strip().casefold() == "total"]
    published = {
        column: sum(int(total[name]) for name in total if name.startswith(prefix))
        for column, prefix in (("attendances", "A&E attendances"), ("over_4h", "Attendances over"))
    }
    assert published == {"attendances": 2_295_820, "over_4h": 579_261}
    [result] = import_files([shutil.copy(source, tmp_path / source.name)])
    assert result.rows == len(rows) == 199  # 198 providers and the TOTAL row, which is skipped
    stored = AEActivity.objects.filter(source_file=source.name, period_start=dt.date(2025, 4, 1))
    assert stored.aggregate(attendances=Sum("attendances"), over_4h=Sum("over_4h")) == published


def test_an_unmatched_trust_name_lists_the_closest_known_names(tmp_path, real_data):
    path = write(
        tmp_path,
        "weekly.csv",
        '"name","patients_seen_in_four_hours","attendances_at_ane",'
        '"emergency_admissions_via_type_1_ae","analysisdate"\n'
        '"Stockprt NHS Foundation Trust",90.1,1000,300,"2013.01.06"\n'
        '"Stockport NHS Foundation Trust",101,1000,300,"2013.01.06"\n',
    )
    first, second = errors_of(path)
    assert first == "weekly.csv:3: patients_seen_in_four_hours: 101 is not between 0 and 100"
    assert second.startswith(
        "weekly.csv:2: name: 'Stockprt NHS Foundation Trust' matches no organisation name or "
        "alias (add it to trusts/data/name_aliases.csv); closest known: "
        "Stockport NHS Foundation Trust"
    )


def test_the_command_exits_non_zero_and_lists_problems(tmp_path):
    path = write(tmp_path, "bad.csv", NHSR_HEADER + "\n2016-04-01,ZZ3,1,-5,0,0\n")
    with pytest.raises(CommandError, match=r"Nothing was imported: 1 problem\(s\)\nbad.csv:2"):
        call_command("import_ae", str(path))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match=r"nope\.csv: file: does not exist"):
        call_command("import_orgs", str(tmp_path / "nope.csv"))


def test_shipped_files_are_imported_again_when_the_importers_change(tmp_path, monkeypatch):
    from trusts import services

    path = write(tmp_path, "r.csv", NHSR_HEADER + "\n2016-04-01,ZZ9,1,100,10,5\n")
    said = []
    services.stage_import((path,), say=said.append)
    AEActivity.objects.filter(organisation__ods_code="ZZ9").update(over_4h=99)
    services.stage_import((path,), say=said.append)
    assert said[-1] == "  unchanged: r.csv"
    assert AEActivity.objects.get(organisation__ods_code="ZZ9").over_4h == 99
    # The same bytes, read by different importer code, are read again.
    with monkeypatch.context() as patched:
        patched.setattr(services, "importer_digest", lambda: "another version of the importers")
        services.stage_import((path,), say=said.append)
    assert said[-1] != "  unchanged: r.csv"
    assert AEActivity.objects.get(organisation__ods_code="ZZ9").over_4h == 10
    # And going back to the first version reads it again: only the latest import counts.
    AEActivity.objects.filter(organisation__ods_code="ZZ9").update(over_4h=99)
    services.stage_import((path,), say=said.append)
    assert AEActivity.objects.get(organisation__ods_code="ZZ9").over_4h == 10


def test_every_format_label_fits_the_column_that_records_it():
    """SQLite stores a label of any length; PostgreSQL refused the gap-fill's, failing the load."""
    from trusts.importers import FORMATS
    from trusts.models import SourceFile

    longest = max(len(f.label) for f in FORMATS)
    assert longest <= SourceFile._meta.get_field("format").max_length


def test_every_organisation_of_the_commissioners_ods_file_is_a_commissioner(tmp_path):
    """The importer took any code not starting with a digit for a trust: 37 sub-ICB reporting
    entities of the eccg file were listed, counted and labelled as NHS trusts."""
    from django.core.management import call_command

    from trusts.models import Organisation

    def ods_row(code: str, name: str) -> str:
        cells = [code, name, "Y56", "QMF", *[""] * 6, "20240401", *[""] * 16]
        return ",".join(f'"{cell}"' for cell in cells)

    commissioners = tmp_path / "eccg.csv"
    commissioners.write_text(
        ods_row("ZA4R1", "NEWHAM - SUB-ICB REPORTING ENTITY")
        + "\n"
        + ods_row("09Z", "NHS SOMEWHERE CCG")
        + "\n"
    )
    trusts = tmp_path / "etr.csv"
    trusts.write_text(ods_row("ZG6V2", "NORTH LONDON NHS FOUNDATION TRUST") + "\n")

    call_command("import_orgs", str(commissioners), str(trusts))

    kinds = dict(
        Organisation.objects.filter(ods_code__in=["ZA4R1", "09Z", "ZG6V2"]).values_list(
            "ods_code", "kind"
        )
    )
    assert kinds == {"ZA4R1": "ccg", "09Z": "ccg", "ZG6V2": "trust"}
