"""The importers against the real files we ship, checked against figures in data/SOURCES.md
(a test asserts that SOURCES.md states the figure it expects) or worked out from the raw
files; the `real_data` fixture re-imports whenever the importers change."""

import csv
import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from trusts.models import (
    AdmissionWaits,
    AEActivity,
    BaselineBudget,
    Grain,
    Organisation,
    Population,
    Succession,
)
from trusts.selectors import ALL_TYPES, league_table, percent_within_4h, performance_by_organisation
from trusts.services import shipped_data_load
from trusts.windows import Window, financial_quarter_window, month_window

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]


def england_percent(year: int, month: int) -> Decimal:
    totals = AEActivity.objects.filter(
        grain=Grain.MONTH, period_start=dt.date(year, month, 1)
    ).aggregate(attendances=Sum("attendances"), over_4h=Sum("over_4h"))
    return percent_within_4h(totals["attendances"], totals["over_4h"])


SOURCES = (settings.DATA_DIR / "SOURCES.md").read_text()


def raw_csv(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("year", "month", "published"),
    [(2016, 4, "90.04"), (2017, 1, "85.14"), (2019, 3, "86.60")],
)
def test_the_nhsr_table_gives_englands_published_all_type_performance(year, month, published):
    """The check in data/SOURCES.md (file 1), worked out here again from the raw file."""
    assert f"{published}%" in SOURCES
    rows = [
        row
        for row in raw_csv(settings.DATA_DIR / "nhsr_ae_attendances_2016-04_2019-03.csv")
        if row["period"] == f"{year}-{month:02d}-01"
    ]
    from_file = percent_within_4h(
        sum(int(r["attendances"]) for r in rows), sum(int(r["breaches"]) for r in rows)
    )
    assert england_percent(year, month) == from_file == Decimal(published)


@pytest.mark.parametrize(
    ("year", "month", "published"),
    [(2022, 12, "68.97"), (2025, 3, "74.98"), (2020, 4, "91.48")],
)
def test_nhs_englands_monthly_csvs_give_the_published_performance(year, month, published):
    """NHS England's own England total (the TOTAL row of its file, booked appointments
    included) is the figure data/SOURCES.md quotes (file 11), and what the import adds up to."""
    assert f"{year}-{month:02d}: {published}%" in SOURCES
    name = dt.date(year, month, 1).strftime("%B-%Y")
    [path] = (settings.DATA_DIR / "nhse_monthly_ae_csv_2020-2026").glob(f"*{name}*.csv")
    [total] = [r for r in raw_csv(path) if r["Org Code"].strip().casefold() == "total"]
    attendances = sum(int(v) for k, v in total.items() if k.startswith("A&E attendances"))
    over_4h = sum(int(v) for k, v in total.items() if k.startswith("Attendances over 4hrs"))
    published_by_nhs_england = percent_within_4h(attendances, over_4h)
    assert england_percent(year, month) == published_by_nhs_england == Decimal(published)


def test_december_2022_has_the_record_54573_twelve_hour_trolley_waits():
    waits = AdmissionWaits.objects.filter(
        grain=Grain.MONTH, period_start=dt.date(2022, 12, 1)
    ).aggregate(total=Sum("dta_over_12h"))
    assert "a record 54,573 12-hour trolley waits" in SOURCES
    assert waits["total"] == 54_573


def test_stockport_january_2013_matches_the_hsj_check():
    window = Window(dt.date(2013, 1, 6), dt.date(2013, 2, 3))
    [stockport] = performance_by_organisation(window, types=["1"], codes=["RWJ"])
    assert stockport.periods == 5  # weeks ending 6 Jan to 3 Feb 2013
    assert "This file gives 82.34% for Stockport" in SOURCES
    assert stockport.percent == Decimal("82.34")


def test_every_one_of_the_145_trusts_has_all_13_weeks_of_2012_13_q4():
    rows = performance_by_organisation(financial_quarter_window(2012, 4), types=["1"])
    assert "Every one of the 145 trusts in those weeks has all 13 weeks" in SOURCES
    assert len(rows) == 145
    assert {row.periods for row in rows} == {13}


def test_the_q4_league_table_is_worst_first_and_ranks_by_the_ratio_of_sums():
    rows = league_table(financial_quarter_window(2012, 4), types=["1"], limit=30)
    assert len(rows) == 30
    percents = [row.percent for row in rows]
    assert percents == sorted(percents)
    worst = rows[0]
    assert worst.ods_code == "RV8"
    assert worst.name == "North West London Hospitals NHS Trust"
    assert worst.percent == percent_within_4h(worst.attendances, worst.over_4h)


def test_the_league_command_prints_the_q4_table(capsys):
    call_command(
        "league", "--from", "2013-01-01", "--to", "2013-03-31", "--type", "1", "--limit", "30"
    )
    lines = capsys.readouterr().out.splitlines()
    assert "the standard is 95%" in lines[0]
    assert len(lines) == 32
    assert lines[2].split()[:2] == ["1", "RV8"]


def test_the_winter_file_keeps_its_real_breach_counts_over_derived_ones():
    barts_week = AEActivity.objects.get(
        organisation__ods_code="R1H", grain=Grain.WEEK, period_end=dt.date(2014, 11, 9)
    )
    # 5,841 attendances and 705 over four hours on the file's first Barts row.
    assert (barts_week.attendances, barts_week.over_4h, barts_week.over_4h_derived) == (
        5841,
        705,
        False,
    )
    assert (
        AEActivity.objects.filter(
            source_file="bbc_weekly_ae_type1_by_trust_winter_2014-15.csv"
        ).count()
        == 2_520
    )


def test_ods_files_hold_273_trusts_68_of_them_closed():
    assert "273 organisations, 68 of them closed" in SOURCES
    trusts = Organisation.objects.filter(source="ODS ods_etr_nhs_trusts.csv")
    assert trusts.count() == 273
    assert trusts.filter(closed_on__isnull=False).count() == 68


def test_ccgs_keep_their_2013_names_not_their_sub_icb_labels():
    ccg = Organisation.objects.get(ods_code="00L")
    assert "ICB" not in ccg.name
    assert ccg.names.filter(name__contains="ICB - 00L").exists()


def test_registered_patients_add_up_to_the_england_total_less_the_unknown_row():
    assert "The England total is **57,330,295**" in SOURCES
    registered = Population.objects.filter(basis=Population.Basis.REGISTERED)
    # England's 57,330,295 includes 90 patients with no known CCG, which are not a CCG's.
    assert registered.aggregate(total=Sum("people"))["total"] == 57_330_295 - 90
    assert registered.count() == 209


def test_ons_populations_cover_the_179_ccgs_that_match_a_2013_name():
    assert "**179 distinct 2013 CCGs**" in SOURCES
    resident = Population.objects.filter(basis=Population.Basis.RESIDENT)
    assert resident.values("organisation").distinct().count() == 179


def test_budgets_are_the_211_ccgs_each_year_in_pence():
    for year in ("2013-14", "2014-15", "2015-16"):
        assert BaselineBudget.objects.filter(financial_year=year).count() == 211
    bolton = BaselineBudget.objects.get(organisation__ods_code="00T", financial_year="2013-14")
    assert bolton.amount_pence == 335_776 * 1000 * 100  # £335,776k


def test_the_2013_14_budget_total_is_62_74_billion():
    assert "2013-14 £62.74bn" in SOURCES
    total = BaselineBudget.objects.filter(financial_year="2013-14").aggregate(t=Sum("amount_pence"))
    assert round(Decimal(total["t"]) / 100 / 10**9, 2) == Decimal("62.74")


def test_mergers_are_recorded_with_their_dates():
    frimley = Succession.objects.get(predecessor__ods_code="RD7")
    assert (frimley.successor.ods_code, frimley.effective_on) == ("RDU", dt.date(2014, 10, 1))
    assert Succession.objects.filter(successor__ods_code="R0A").count() == 2


def test_foundation_trust_status_is_answerable_by_date():
    kingston = Organisation.objects.get(ods_code="RAX")
    assert not kingston.is_foundation_trust_on(dt.date(2013, 1, 1))
    assert kingston.is_foundation_trust_on(dt.date(2014, 1, 1))
    assert Organisation.objects.get(ods_code="RWJ").is_foundation_trust_on(dt.date(2013, 1, 1))


def test_a_name_is_shown_as_it_was_then():
    rje = Organisation.objects.get(ods_code="RJE")
    then = rje.name_on(dt.date(2013, 3, 31))
    assert then.casefold() == "university hospital of north staffordshire nhs trust"
    assert rje.name == "University Hospitals of North Midlands NHS Trust"


def test_all_types_together_come_from_the_monthly_files():
    window = month_window(2016, 4)
    rows = performance_by_organisation(window, types=ALL_TYPES)
    assert len(rows) > 200


def test_the_load_leaves_the_query_planner_statistics_of_what_it_wrote():
    """Plans made for tables the planner believes empty read every row: the load analyses
    the tables it filled rather than leave it to autovacuum, which comes round later."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # last_analyze is set by an ANALYZE command only, never by autovacuum.
            cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
        else:
            cursor.execute("SELECT tbl FROM sqlite_stat1")
        analysed = {table for (table,) in cursor.fetchall()}
    assert {"trusts_aeactivity", "trusts_aemonthsummary", "trusts_organisation"} <= analysed


def test_a_load_with_nothing_new_to_import_does_not_analyse_again():
    """ANALYZE reads samples of every table (half a second on the national data): loading
    the demo, which loads the shipped data first, paid it every time for nothing."""
    with CaptureQueriesContext(connection) as queries:
        shipped_data_load(say=lambda line: None)
    assert queries.captured_queries
    assert not [query for query in queries.captured_queries if "ANALYZE" in query["sql"]]
