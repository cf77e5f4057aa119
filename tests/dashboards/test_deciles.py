"""The trust page's percentile view: the trust's four-hour performance against the national
deciles month by month, as OpenPrescribing shows a practice against all practices."""

import datetime as dt
import json
import random
import re
import statistics
from decimal import Decimal

import numpy
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.selectors import trust_against_deciles
from tests import factories
from trusts.models import Organisation
from trusts.selectors import (
    PerformanceTable,
    monthly_deciles,
    monthly_series,
    percent_within_4h,
)
from trusts.windows import Window

pytestmark = pytest.mark.django_db

CHART = re.compile(r'<script id="figure-chart-deciles" type="application/json">(.*?)</script>')


@pytest.mark.usefixtures("real_data")
def test_the_trust_page_draws_the_trust_against_the_national_deciles(client):
    html = client.get("/trusts/RV8/?spc_from=2012-04-01&spc_to=2014-03-31").content.decode()
    figure = json.loads(CHART.search(html).group(1))
    names = [trace["name"] for trace in figure["data"]]
    assert len(names) == 10 and names[4] == "Median" and names[-1] == "RV8"
    deciles = [trace["y"] for trace in figure["data"][:9]]
    months = figure["data"][-1]["x"]
    assert months[0] == "2012-04" and months[-1] == "2014-03" and len(months) == 24
    # Each month the deciles rise from the 10th to the 90th percentile.
    for month in range(len(months)):
        column = [decile[month] for decile in deciles]
        assert column == sorted(column)
    # The trust's line is its own type 1 figure, as its monthly series has it.
    own = {
        p.label: float(p.percent)
        for p in monthly_series(["RV8"])
        if p.measure == "1" and p.percent is not None
    }
    assert figure["data"][-1]["y"] == [own[month] for month in months]
    # The chart has a name and a text summary.
    assert 'id="chart-deciles" class="app-chart" role="figure" aria-label="Line chart of' in html
    summary = re.search(r'<p id="deciles-summary">(.*?)</p>', html).group(1)
    assert re.search(r"below the national median in \d+ of 24 months", summary)


@pytest.mark.usefixtures("real_data")
def test_only_trusts_get_the_percentile_view(client):
    ccg = Organisation.objects.filter(kind=Organisation.Kind.CCG).first()
    assert "chart-deciles" not in client.get(f"/trusts/{ccg.ods_code}/").content.decode()


@pytest.mark.usefixtures("real_data")
def test_the_national_deciles_are_the_percentiles_of_every_trusts_month():
    window = Window(dt.date(2012, 4, 1), dt.date(2014, 3, 31))
    rows = trust_against_deciles("RV8", window)
    by_month: dict[str, list[float]] = {}
    for row in PerformanceTable(window, types=["1"], by="month", kinds=["trust"]).table():
        if row["attendances"]:
            share = 1 - row["over_4h"] / row["attendances"]
            by_month.setdefault(f"{row['period']:%Y-%m}", []).append(100 * share)
    assert [row["month"] for row in rows] == sorted(by_month)
    for row in rows:
        # Each trust's percentage is rounded to 0.01 before the cut, as the page shows it.
        values = numpy.round(by_month[row["month"]], 2)
        assert row["trusts"] == len(values)
        expected = numpy.percentile(values, list(range(10, 100, 10)), method="linear").tolist()
        cuts = [float(row[f"p{decile}"]) for decile in range(10, 100, 10)]
        assert cuts == pytest.approx(expected, abs=0.0051), row["month"]


def percentages(counts: dict) -> dict:
    return {key: percent_within_4h(*value) for key, value in counts.items()}


@pytest.mark.parametrize(
    "first_day",
    [
        dt.date(2031, 1, 1),  # whole months, read from the summaries
        dt.date(2031, 1, 2),  # from inside a month, read from the figures (their month ends)
    ],
)
def test_the_deciles_cut_each_months_trusts_and_leave_out_thin_months(first_day):
    """On small data, on either database: ties, a trust with no attendances, a month of ten
    trusts and one of nine, and figures that are not a trust's type 1 left out. In months no
    real figures reach, so the national data, if imported, is not among them."""
    draw = random.Random(20131101)
    months = [dt.date(2031, 1, 1), dt.date(2031, 2, 1), dt.date(2031, 3, 1)]
    trusts = [factories.trust() for _ in range(23)]
    counts = {}
    for month, taking in zip(months, (23, 10, 9), strict=True):
        for trust in trusts[:taking]:
            attendances = draw.randint(500, 20_000)
            counts[trust, month] = (attendances, draw.randint(0, attendances // 3))
    january = months[0]
    # The same share twice, the same rounded percentage from different counts, and a trust
    # with no attendances, which has no percentage and is not counted.
    counts[trusts[1], january] = (1_000, 50)
    counts[trusts[2], january] = (2_000, 100)
    counts[trusts[3], january] = (10_001, 1_234)
    counts[trusts[4], january] = (10_000, 1_234)
    counts[trusts[5], january] = (0, 0)
    factories.ae_months(counts)
    factories.ae_months({(trusts[6], january): (400, 399)}, department_type="2")
    factories.ae_months({(factories.ccg(), january): (900, 899)})

    rows = trust_against_deciles(trusts[0].ods_code, Window(first_day, dt.date(2031, 3, 31)))

    assert [row["month"] for row in rows] == ["2031-01", "2031-02"]
    shares = percentages(counts)
    for row, month in zip(rows, months, strict=False):
        values = [v for (_, m), v in shares.items() if m == month and v is not None]
        assert row["trusts"] == len(values) == (22 if month == january else 10)
        cuts = statistics.quantiles(values, n=10, method="inclusive")
        assert [row[f"p{d}"] for d in range(10, 100, 10)] == [
            cut.quantize(Decimal("0.01")) for cut in cuts
        ]
        assert row["percent"] == shares[trusts[0], month]


def test_the_deciles_of_one_type_read_each_trusts_month_as_it_is_summarised():
    """One department type has one summary row an organisation and month: summing them again
    grouped 36,000 rows for nothing at 10x England (15 of a trust page's 70 ms query)."""
    trusts = [factories.trust() for _ in range(10)]
    factories.ae_months(
        {(trust, dt.date(2031, 1, 1)): (1_000, 10 * n) for n, trust in enumerate(trusts)}
    )

    with CaptureQueriesContext(connection) as queries:
        (january,) = monthly_deciles(
            Window(dt.date(2031, 1, 1), dt.date(2031, 1, 31)), types=["1"], kinds=["trust"]
        )

    (ranked,) = [q["sql"] for q in queries if "position" in q["sql"]]
    assert "SUM(" not in ranked.upper()
    assert january.organisations == 10
    assert (
        january.cuts[4]
        == statistics.quantiles(
            [percent_within_4h(1_000, 10 * n) for n in range(10)], n=10, method="inclusive"
        )[4]
    )
