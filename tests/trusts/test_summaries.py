"""The A&E summary tables hold exactly what summing the stored figures gives, after every kind
of write: the shipped data's import, a revised month, a bad import that is rolled back."""

import datetime as dt
import hashlib
from collections import defaultdict

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sources.models import Fetch
from sources.services import month_import
from trusts.importers import ImportFailed, import_files
from trusts.models import (
    AEActivity,
    AEEnglandPeriod,
    AEMonthSummary,
    AEQuarterSummary,
    AEYearSummary,
    Basis,
    Grain,
)
from trusts.selectors import (
    ALL_TYPES,
    PerformanceTable,
    activity_in,
    performance_by_organisation,
)
from trusts.windows import (
    Window,
    financial_quarter_window,
    financial_year_window,
    month_window,
)

from ..admin_forms import admin_page_post
from ..sources.months import JULY, JULY_FIRST, JULY_REVISED
from ..sources.publisher import FIRST_RELEASES, SHIPPED

pytestmark = pytest.mark.django_db

BASIS_COUNTS = [f"figures_{basis}" for basis in Basis.values]
SUMMED = ["attendances", "over_4h", "figures", "periods", *BASIS_COUNTS]


def financial_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def quarter(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def summed_by_hand() -> dict[str, dict]:
    """Every figure with a breach count added into its month, quarter and financial year, and
    every provider's figures (breaches or not) into England's period, in Python."""
    blocks = {
        "month": lambda end: end.replace(day=1),
        "quarter": quarter,
        "year": financial_year,
    }
    sums: dict[str, dict] = {name: {} for name in [*blocks, "england"]}
    rows = AEActivity.objects.values_list(
        "organisation_id",
        "organisation__ods_code",
        "grain",
        "period_start",
        "period_end",
        "department_type",
        "basis",
        "attendances",
        "over_4h",
    )
    for org, code, grain, start, end, kind, basis, attendances, over_4h in rows:
        if code != "ENG":
            england = sums["england"].setdefault(
                (grain, end, kind, basis), {"period_start": start, "figures_all": 0, "figures": 0}
            )
            england["period_start"] = min(england["period_start"], start)
            england["figures_all"] += 1
            if over_4h is not None:
                england["figures"] += 1
                england["attendances"] = england.get("attendances", 0) + attendances
                england["over_4h"] = england.get("over_4h", 0) + over_4h
        if over_4h is None:
            continue
        for name, block_of in blocks.items():
            total = sums[name].setdefault(
                (org, grain, block_of(end), kind), defaultdict(int, ends=set())
            )
            total["attendances"] += attendances
            total["over_4h"] += over_4h
            total["figures"] += 1
            total[f"figures_{basis}"] += 1
            total["ends"].add(end)
    for name in blocks:
        for total in sums[name].values():
            total["periods"] = len(total.pop("ends"))
    for total in sums["england"].values():
        total.setdefault("attendances", 0)
        total.setdefault("over_4h", 0)
    return {
        name: {key: {field: total[field] for field in sorted(total)} for key, total in by.items()}
        for name, by in sums.items()
    }


def summaries_stored() -> dict[str, dict]:
    def table(model, block: str) -> dict:
        return {
            (row["organisation_id"], row["grain"], row[block], row["department_type"]): {
                field: row[field] for field in sorted(SUMMED)
            }
            for row in model.objects.values()
        }

    england_fields = ["attendances", "figures", "figures_all", "over_4h", "period_start"]
    return {
        "month": table(AEMonthSummary, "month"),
        "quarter": table(AEQuarterSummary, "quarter"),
        "year": table(AEYearSummary, "financial_year"),
        "england": {
            (row["grain"], row["period_end"], row["department_type"], row["basis"]): {
                field: row[field] for field in england_fields
            }
            for row in AEEnglandPeriod.objects.values()
        },
    }


def by_hand_in_full() -> dict[str, dict]:
    expected = summed_by_hand()
    for name in ("month", "quarter", "year"):
        for total in expected[name].values():
            for field in BASIS_COUNTS:
                total.setdefault(field, 0)
        expected[name] = {
            key: {field: value[field] for field in sorted(SUMMED)}
            for key, value in expected[name].items()
        }
    return expected


def assert_summaries_match_the_figures() -> None:
    stored, expected = summaries_stored(), by_hand_in_full()
    for name in expected:
        assert stored[name] == expected[name], name


def test_the_shipped_data_is_summed_exactly(real_data):
    assert AEActivity.objects.filter(grain=Grain.WEEK).exists()
    assert AEActivity.objects.filter(grain=Grain.MONTH).exists()
    assert_summaries_match_the_figures()


def test_a_quarter_adds_up_its_months(real_data):
    # 2019-20 Q4 is January to March 2020 in the financial year that began in April 2019.
    months = AEMonthSummary.objects.filter(
        grain=Grain.MONTH, month__range=(dt.date(2020, 1, 1), dt.date(2020, 3, 1))
    )
    quarter_rows = AEQuarterSummary.objects.filter(grain=Grain.MONTH, quarter=dt.date(2020, 1, 1))
    assert set(months.values_list("quarter", "financial_year")) == {(dt.date(2020, 1, 1), 2019)}
    assert sum(m.attendances for m in months) == sum(q.attendances for q in quarter_rows) > 0


def revise(path, say=lambda line: None):
    fetch = Fetch(
        kind=Fetch.Kind.FILE,
        url=f"https://example.org/{path.name}",
        started_at=timezone.now(),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    return month_import(path, month=JULY, fetch=fetch, say=say)


def test_a_revised_month_is_summed_again(real_data):
    # The shipped data holds July 2025's revised release; the first release replaces it, and
    # the revised one replaces that again, each as NHS England's fetch would import it.
    july_before = AEMonthSummary.objects.filter(grain=Grain.MONTH, month=JULY)
    attendances_revised = sum(july_before.values_list("attendances", flat=True))

    assert revise(FIRST_RELEASES / JULY_FIRST).outcome == Fetch.Outcome.REVISED
    assert_summaries_match_the_figures()
    july_first = AEMonthSummary.objects.filter(grain=Grain.MONTH, month=JULY)
    assert sum(july_first.values_list("attendances", flat=True)) != attendances_revised

    revise(SHIPPED / JULY_REVISED)
    assert_summaries_match_the_figures()
    july_again = AEMonthSummary.objects.filter(grain=Grain.MONTH, month=JULY)
    assert sum(july_again.values_list("attendances", flat=True)) == attendances_revised


def test_a_bad_import_leaves_the_summaries_as_they_were(real_data, tmp_path):
    before = summaries_stored()
    good = tmp_path / "good.csv"
    good.write_text(
        "period,org_code,type,attendances,breaches,admissions\n2017-01-01,RRK,1,999999,10,5\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "period,org_code,type,attendances,breaches,admissions\n2017-13-01,RRK,1,100,10,5\n"
    )

    with pytest.raises(ImportFailed):
        import_files([good, bad])

    assert summaries_stored() == before
    assert_summaries_match_the_figures()


def test_an_import_sums_only_what_it_wrote_and_the_rest_still_matches(real_data, tmp_path):
    path = tmp_path / "one-month.csv"
    path.write_text(
        "period,org_code,type,attendances,breaches,admissions\n2017-01-01,RRK,1,999999,10,5\n"
    )
    rrk_january = AEMonthSummary.objects.filter(
        organisation__ods_code="RRK", grain=Grain.MONTH, month=dt.date(2017, 1, 1)
    )
    assert rrk_january.get(department_type="1").attendances != 999999

    import_files([path])

    assert rrk_january.get(department_type="1").attendances == 999999
    assert_summaries_match_the_figures()


def test_an_import_replaces_the_summary_rows_without_reading_them(real_data, tmp_path):
    # Django's delete() reads every row to send its signals: an import of many months would
    # hold every quarter's and year's summary rows in memory.
    path = tmp_path / "one-month.csv"
    path.write_text(
        "period,org_code,type,attendances,breaches,admissions\n2017-01-01,RRK,1,999999,10,5\n"
    )
    summary_tables = [
        model._meta.db_table
        for model in (AEMonthSummary, AEQuarterSummary, AEYearSummary, AEEnglandPeriod)
    ]

    with CaptureQueriesContext(connection) as queries:
        import_files([path])

    read = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT")
        and any(f'FROM "{table}"' in query["sql"] for table in summary_tables)
    ]
    assert read == []
    assert_summaries_match_the_figures()


DAYS_INSIDE_A_MONTH = Window(dt.date(2013, 3, 10), dt.date(2013, 3, 20))
WINDOWS = [
    financial_year_window(2012),
    financial_year_window(2014),
    financial_quarter_window(2014, 3),
    month_window(2016, 4),
    Window(dt.date(2014, 10, 1), dt.date(2015, 6, 30)),  # weeks into months, quarters apart
    # Windows of days: the whole months from the summaries, the days around them from the
    # figures.
    Window(dt.date(2012, 1, 15), dt.date(2012, 5, 14)),  # days either side (weeks only)
    Window(dt.date(2014, 10, 20), dt.date(2015, 6, 30)),  # days, then weeks into months
    Window(dt.date(2014, 4, 1), dt.date(2014, 7, 10)),  # whole months, then days
    DAYS_INSIDE_A_MONTH,
]


def answered(summed: dict, window: Window, types) -> bool:
    """Whether the figures summed answer the question: every window does for type 1 (weeks
    or months), but every type is answered by monthly figures alone, and none fits inside
    days of one month."""
    return bool(summed) != (window == DAYS_INSIDE_A_MONTH and types == ALL_TYPES)


@pytest.mark.parametrize("window", WINDOWS, ids=str)
@pytest.mark.parametrize("types", [("1",), ALL_TYPES], ids=",".join)
def test_performance_read_from_the_summaries_is_the_figures_summed(real_data, window, types):
    summed = {
        row["organisation__ods_code"]: (row["attendances"], row["over_4h"], row["periods"])
        for row in activity_in(window, types=types)
        .values("organisation__ods_code")
        .annotate(
            attendances=Sum("attendances"),
            over_4h=Sum("over_4h"),
            periods=Count("period_end", distinct=True),
        )
        if row["attendances"]
    }

    read = {
        row.ods_code: (row.attendances, row.over_4h, row.periods)
        for row in performance_by_organisation(window, types=types)
    }

    assert answered(summed, window, types) and read == summed


def test_a_window_of_days_reads_its_whole_months_from_the_summaries(real_data):
    window = Window(dt.date(2012, 1, 15), dt.date(2012, 5, 14))
    with CaptureQueriesContext(connection) as queries:
        performance_by_organisation(window, types=("1",))
    month_summary = AEMonthSummary._meta.db_table
    assert any(f'"{month_summary}"' in query["sql"] for query in queries.captured_queries)


def test_a_window_of_days_by_month_reads_its_whole_months_from_the_summaries(real_data):
    window = Window(dt.date(2012, 1, 15), dt.date(2012, 5, 14))
    with CaptureQueriesContext(connection) as queries:
        list(PerformanceTable(window, types=("1",), by="month").table())
    month_summary = AEMonthSummary._meta.db_table
    assert any(f'"{month_summary}"' in query["sql"] for query in queries.captured_queries)


TWO_YEARS = Window(dt.date(2014, 4, 1), dt.date(2016, 3, 31))


@pytest.mark.parametrize(
    ("by", "window"),
    [
        ("quarter", TWO_YEARS),
        ("year", TWO_YEARS),
        *(("month", window) for window in [TWO_YEARS, *WINDOWS]),
    ],
    ids=str,
)
@pytest.mark.parametrize("types", [("1",), ALL_TYPES], ids=",".join)
def test_the_performance_table_read_from_the_summaries_is_the_figures_summed(
    real_data, by, window, types
):
    bucket = {"month": lambda end: end.replace(day=1), "quarter": quarter, "year": financial_year}
    summed: dict[tuple, list] = {}
    for code, end, attendances, over_4h in activity_in(window, types=types).values_list(
        "organisation__ods_code", "period_end", "attendances", "over_4h"
    ):
        total = summed.setdefault((code, bucket[by](end)), [0, 0, 0])
        total[0] += attendances
        total[1] += over_4h
        total[2] += 1

    read = {
        (row["ods_code"], row["period"]): [row["attendances"], row["over_4h"], row["periods"]]
        for row in PerformanceTable(window, types=types, by=by).table()
    }

    assert answered(summed, window, types) and read == summed
    assert PerformanceTable(window, types=types, by=by).count() == len(read)


def test_a_figure_corrected_or_removed_in_the_admin_is_summed_again(client, superuser, real_data):
    figure = (
        AEActivity.objects.filter(grain=Grain.MONTH, organisation__ods_code="RRK")
        .exclude(over_4h=None)
        .latest("period_end")
    )
    month = AEMonthSummary.objects.filter(
        organisation=figure.organisation_id, grain=Grain.MONTH, month=figure.period_start
    )
    attendances = sum(month.values_list("attendances", flat=True))
    client.force_login(superuser)

    changed = admin_page_post(
        client,
        reverse("admin:trusts_aeactivity_change", args=[figure.pk]),
        "aeactivity_form",
        {"attendances": str(figure.attendances + 1000)},
    )
    assert changed.status_code == 302
    assert sum(month.values_list("attendances", flat=True)) == attendances + 1000

    removed = client.post(
        reverse("admin:trusts_aeactivity_delete", args=[figure.pk]), {"post": "yes"}
    )
    assert removed.status_code == 302
    assert sum(month.values_list("attendances", flat=True)) == attendances - figure.attendances
    assert_summaries_match_the_figures()
