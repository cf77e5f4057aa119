"""A big A&E file is read, checked and written a chunk of rows at a time (IMPORT_CHUNK_ROWS),
with the guarantees of a file read whole: all or nothing, every problem by line, duplicates
and new organisations seen across chunks, and the same counts. The chunks here are two rows,
so that a file of a few lines has several."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from trusts.importers.ae import NhseMonthly
from trusts.models import AdmissionWaits, AEActivity, Organisation

pytestmark = pytest.mark.django_db

NHSE_HEADER = NhseMonthly.EXAMPLE_HEADER
NHSR_HEADER = "period,org_code,type,attendances,breaches,admissions"
WHOLE = 10_000  # more rows than any file here: read whole, as before chunks


def nhse(month: str, code: str, type1: int = 400, over1: int = 40, waits: int = 0) -> str:
    """A line of NHS England's monthly CSV: type 1 and other departments (no type 2)."""
    return (
        f"MSitAE-{month},{code},NHS ENGLAND LONDON,Site {code},{type1},0,100,{over1},0,7,"
        f"{waits},0,0,0,0,0"
    )


def write(folder, name: str, header: str, lines: list[str]):
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def import_ae(*args) -> str:
    out = io.StringIO()
    call_command("import_ae", *map(str, args), stdout=out)
    return out.getvalue()


def import_ae_failing(*args) -> list[str]:
    with pytest.raises(CommandError) as failure:
        import_ae(*args)
    return str(failure.value).splitlines()[1:]


def stored() -> dict:
    return {
        "organisations": sorted(
            Organisation.objects.filter(ods_code__startswith="ZQ").values_list(
                "ods_code", "name", "kind", "region", "source"
            )
        ),
        "activity": sorted(
            AEActivity.objects.filter(organisation__ods_code__startswith="ZQ").values_list(
                "organisation__ods_code",
                "period_start",
                "department_type",
                "attendances",
                "over_4h",
                "source_line",
            )
        ),
        "waits": sorted(
            AdmissionWaits.objects.filter(organisation__ods_code__startswith="ZQ").values_list(
                "organisation__ods_code", "period_start", "dta_4_to_12h", "source_line"
            )
        ),
    }


# Seven rows and England's total, in three months; ZQ1 and ZQ2 are new in the first chunk
# and come back in later ones, ZQ3 first appears in the second.
NHSE_LINES = [
    nhse("APRIL-2020", "ZQ1", waits=3),
    nhse("APRIL-2020", "ZQ2"),
    nhse("APRIL-2020", "ZQ3"),
    "TOTAL,TOTAL,TOTAL,TOTAL,1200,0,300,120,0,21,3,0,0,0,0,0",
    nhse("MAY-2020", "ZQ1"),
    nhse("MAY-2020", "ZQ2", waits=5),
    nhse("MAY-2020", "ZQ3"),
    nhse("JUNE-2020", "ZQ1"),
]
# The second version: one figure revised (ZQ2 in May) and one month more (ZQ3 in June).
NHSE_REVISED = [*NHSE_LINES[:5], nhse("MAY-2020", "ZQ2", 500, 50, waits=5), *NHSE_LINES[6:]]
NHSE_REVISED.append(nhse("JUNE-2020", "ZQ3"))
NHSR_LINES = [
    f"{month},{code},{kind},{100 + index},10,5"
    for index, (month, code, kind) in enumerate(
        (month, code, kind)
        for month in ("2016-04-01", "2016-05-01")
        for code in ("ZQ1", "ZQ2")
        for kind in ("1", "other")
    )
]
NHSR_REVISED = [*NHSR_LINES[:-1], "2016-05-01,ZQ2,other,999,10,5", "2016-06-01,ZQ3,1,50,5,1"]


def imported_three_times(tmp_path, header: str, lines: list, revised: list) -> tuple[list, dict]:
    """What the command says importing a file, the same file again and its revised version (of
    the same name, as NHS England revises a month), and what is stored after; all rolled back
    afterwards."""
    first = write(tmp_path, "ae.csv", header, lines)
    second = write(tmp_path / "revised", "ae.csv", header, revised)
    with transaction.atomic():
        said = [
            import_ae(first, "--create-unknown"),
            import_ae(first, "--create-unknown"),
            import_ae(second, "--create-unknown"),
        ]
        after = stored()
        transaction.set_rollback(True)
    return said, after


@pytest.mark.parametrize(
    ("header", "lines", "revised"),
    [(NHSE_HEADER, NHSE_LINES, NHSE_REVISED), (NHSR_HEADER, NHSR_LINES, NHSR_REVISED)],
    ids=["nhs-england-monthly", "nhs-r-monthly"],
)
def test_a_file_read_in_chunks_gives_what_it_gives_read_whole(
    tmp_path, settings, header, lines, revised
):
    settings.IMPORT_CHUNK_ROWS = 2
    in_chunks = imported_three_times(tmp_path, header, lines, revised)
    settings.IMPORT_CHUNK_ROWS = WHOLE
    whole = imported_three_times(tmp_path, header, lines, revised)

    assert in_chunks == whole
    assert in_chunks[1]["activity"]  # it did write, each time


def test_the_counts_of_a_file_read_in_chunks_add_up(tmp_path, settings):
    settings.IMPORT_CHUNK_ROWS = 2
    said, _ = imported_three_times(tmp_path, NHSE_HEADER, NHSE_LINES, NHSE_REVISED)
    # Seven rows of two department types each, three new organisations, two months of waits.
    assert said[0] == (
        "ae.csv: NHS England monthly A&E CSV, 8 rows; changed: 19 new, 0 updated, 0 unchanged; "
        "new organisations: ZQ1 (Site ZQ1), ZQ2 (Site ZQ2), ZQ3 (Site ZQ3)\n"
    )
    assert said[1] == (
        "ae.csv: NHS England monthly A&E CSV, 8 rows; changed: 0 new, 0 updated, 16 unchanged\n"
    )
    # ZQ2's May type 1 revised; ZQ3's June new (two department types).
    assert said[2] == (
        "ae.csv: NHS England monthly A&E CSV, 9 rows; changed: 2 new, 1 updated, 15 unchanged\n"
    )


def test_a_bad_row_in_the_last_chunk_writes_nothing_and_is_named_by_line(tmp_path, settings):
    settings.IMPORT_CHUNK_ROWS = 2
    lines = [*NHSE_LINES[:-1], nhse("JUNE-2020", "ZQ1", type1=400, over1=500)]
    path = write(tmp_path, "late.csv", NHSE_HEADER, lines)

    problems = import_ae_failing(path, "--create-unknown")

    assert problems == [
        "late.csv:9: over 4 hours Type 1: 500 is more than the 400 attendances",
    ]
    assert stored() == {"organisations": [], "activity": [], "waits": []}


def test_every_bad_row_is_named_though_an_early_chunk_has_one(tmp_path, settings):
    settings.IMPORT_CHUNK_ROWS = 2
    lines = list(NHSE_LINES)
    lines[1] = nhse("APRIL-2020", "ZQ2", type1=-5)
    lines[-1] = nhse("JUNE-2020", "ZQ1", type1=400, over1=500)
    path = write(tmp_path, "two.csv", NHSE_HEADER, lines)

    assert import_ae_failing(path, "--create-unknown") == [
        "two.csv:3: A&E attendances Type 1: -5 is negative",
        "two.csv:9: over 4 hours Type 1: 500 is more than the 400 attendances",
    ]
    assert stored() == {"organisations": [], "activity": [], "waits": []}


def test_a_row_repeating_one_of_an_earlier_chunk_is_a_duplicate(tmp_path, settings):
    settings.IMPORT_CHUNK_ROWS = 2
    path = write(tmp_path, "twice.csv", NHSE_HEADER, [*NHSE_LINES, nhse("APRIL-2020", "ZQ1")])

    assert import_ae_failing(path, "--create-unknown") == [
        "twice.csv:10: Org Code: duplicate of line 2 (ZQ1, 2020-04-01)",
    ]
    assert stored() == {"organisations": [], "activity": [], "waits": []}


def test_an_unknown_code_in_several_chunks_is_refused_once_at_its_first_line(tmp_path, settings):
    settings.IMPORT_CHUNK_ROWS = 2
    path = write(tmp_path, "unknown.csv", NHSE_HEADER, NHSE_LINES)

    problems = import_ae_failing(path)

    assert [problem.split(" is not")[0] for problem in problems] == [
        "unknown.csv:2: Org Code: 'ZQ1'",
        "unknown.csv:3: Org Code: 'ZQ2'",
        "unknown.csv:4: Org Code: 'ZQ3'",
    ]
