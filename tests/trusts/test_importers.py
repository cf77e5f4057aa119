"""Bad input: every problem is reported as file:line: field: reason and nothing is written."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

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


def test_the_2025_release_with_booked_appointments_counts_them_in_performance(tmp_path):
    source = settings.DATA_DIR / "nhse_monthly_ae_csv_2025" / "Monthly-AE-April-2025.csv"
    [result] = import_files([shutil.copy(source, tmp_path / source.name)], dry_run=True)
    assert result.rows == 199  # 198 providers and the TOTAL row, which is skipped


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
