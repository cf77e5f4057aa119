"""The performance list's rows, written straight from each row, read as its serializer's
declared fields would have written them."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers as drf

from api.analysis import PerformanceRowSerializer
from tests import factories
from trusts.models import AEActivity, Basis
from trusts.selectors import PerformanceTable
from trusts.summaries import ae_summaries_refresh
from trusts.windows import Window

pytestmark = pytest.mark.django_db

WINDOW = Window(dt.date(2012, 4, 1), dt.date(2013, 3, 31))
CODES = ["ZP1", "ZP2"]


@pytest.fixture
def figures():
    north, south = (factories.trust(code) for code in CODES)
    factories.ae_month(north, dt.date(2012, 4, 1), 5_000, 400)
    factories.ae_month(north, dt.date(2012, 5, 1), 5_200, 650, department_type="2")
    factories.ae_month(north, dt.date(2013, 1, 1), 4_900, None)
    factories.ae_month(south, dt.date(2012, 6, 1), 0, 0)
    AEActivity.objects.create(
        organisation=south,
        grain="week",
        period_start=dt.date(2012, 12, 31),
        period_end=dt.date(2013, 1, 6),
        department_type="1",
        basis=Basis.WEEKLY_SITREP,
        attendances=1_100,
        over_4h=90,
        source_file="synthetic",
        source_line=1,
    )
    ae_summaries_refresh(months=[dt.date(2013, 1, 1)])


@pytest.mark.parametrize("by", ["week", "month", "quarter", "year"])
def test_each_row_is_what_the_declared_fields_give(client, figures, by):
    # Only these two trusts: the national data may be in the test database too.
    rows = list(PerformanceTable(WINDOW, types=["1", "2", "other"], by=by, codes=CODES).table())
    serializer = PerformanceRowSerializer(context={"by": by})
    by_fields = [drf.Serializer.to_representation(serializer, row) for row in rows]

    response = client.get(
        f"/api/v1/performance/?from=2012-04-01&to=2013-03-31&by={by}&code={','.join(CODES)}"
    )

    assert response.status_code == 200
    assert response.json()["results"] == by_fields
    assert [serializer.to_representation(row) for row in rows] == by_fields
    # North's January has no breach count, so is left out; south's January week is type 1
    # only, so it answers this question of more types by week alone; north's months fall in Q1.
    assert len(by_fields) == {"week": 1, "month": 3, "quarter": 2, "year": 2}[by]


def summary_reads(client, url: str) -> tuple[list[str], list[dict]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries if "aemonthsummary" in q["sql"]]
    return sql, response.json()["results"]


def test_a_run_of_whole_months_is_read_as_a_range_and_a_broken_run_block_by_block(client):
    """At national scale the database probes the summary once per organisation and month
    when the months are listed, and scans once per organisation when they are a range.
    Years no real figures reach (2031), so the national data cannot join either run."""
    trust = factories.trust("ZR1")
    for month in (4, 5, 6, 8):
        factories.ae_month(trust, dt.date(2031, month, 1), 1_000, 100)
    factories.ae_week(trust, dt.date(2031, 7, 13), 250, 20)
    query = "/api/v1/performance/?by=month&code=ZR1&type=1"

    sql, rows = summary_reads(client, f"{query}&from=2031-04-01&to=2031-06-30")
    assert sql and all("BETWEEN" in s and '"month" IN' not in s for s in sql)
    assert [row["period"] for row in rows] == ["2031-04", "2031-05", "2031-06"]

    # July's figures are weekly, the months either side monthly: no range may span it.
    sql, rows = summary_reads(client, f"{query}&from=2031-04-01&to=2031-08-31")
    assert sql and all('"month" IN' in s for s in sql)
    assert [(row["period"], row["attendances"]) for row in rows] == [
        ("2031-04", 1_000),
        ("2031-05", 1_000),
        ("2031-06", 1_000),
        ("2031-07", 250),
        ("2031-08", 1_000),
    ]


def test_a_window_of_days_by_month_lists_its_part_months_with_its_whole_months(client, figures):
    """15 April to 20 January, type 1: May to December from the month summary, the days of
    April and January from the figures (January's monthly figure ends after the window, so
    its week counts), in JSON and CSV alike."""
    url = "/api/v1/performance/?from=2012-04-15&to=2013-01-20&by=month&code=ZP1,ZP2&type=1"

    rows = client.get(url).json()["results"]
    csv_text = b"".join(client.get(url + "&format=csv").streaming_content).decode()

    listed = [(row["ods_code"], row["period"], row["attendances"]) for row in rows]
    assert listed == [
        ("ZP1", "2012-04", 5_000),
        ("ZP2", "2012-06", 0),
        ("ZP2", "2013-01", 1_100),
    ]
    assert rows[-1]["sources"] == "weekly_sitrep"
    in_csv = [
        (line["ods_code"], line["period"], int(line["attendances"]))
        for line in csv.DictReader(io.StringIO(csv_text))
    ]
    assert in_csv == listed


@pytest.mark.parametrize("by", ["week", "month", "quarter", "year"])
@pytest.mark.parametrize(
    "window",
    [
        "from=2012-04-01&to=2013-03-31",
        "from=2012-04-15&to=2013-01-20",
        "from=2012-05-01&to=2012-05-31",
    ],
)
def test_a_pages_count_is_the_rows_listed_whole_counted_by_their_keys(client, figures, by, window):
    """The count of a full page is its own query: it counts the organisations' periods by
    their keys, without the sums and names the page reads (at 10x England, the count of a
    year by month took six times as long as the page)."""
    url = f"/api/v1/performance/?{window}&by={by}&code={','.join(CODES)}"
    listed = client.get(url + "&page_size=1000").json()["results"]

    with CaptureQueriesContext(connection) as queries:
        page = client.get(url + "&page_size=1").json()

    assert page["count"] == len(listed)
    if len(listed) > 1:  # a last page is counted from its rows
        [count] = [
            q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")
        ]
        assert "SUM(" not in count and '"name"' not in count


def test_a_month_the_weekly_figures_cover_in_part_is_named_with_its_weeks(client):
    """The weekly series ends on 8 March 2015: "2015-03" came from 2 of its 5 weeks, and the
    quarter holding it from 10 of 13, with nothing to say so; the monthly series leaves such a
    month out. March 2031 has five Sundays (2, 9, 16, 23, 30); these figures reach two."""
    trust = factories.trust()
    for sunday in (dt.date(2031, 2, 23), dt.date(2031, 3, 2), dt.date(2031, 3, 9)):
        factories.ae_week(trust, sunday, 1_000, 100)
    window = "from=2031-02-17&to=2031-03-31&type=1"

    body = client.get(f"/api/v1/performance/?{window}&by=month&code={trust.ods_code}").json()
    page = client.get(f"/league/?{window}").content.decode()

    assert body["months_in_part"] == ["2031-03 (2 of 5 weeks)"]
    assert [(r["period"], r["figures"]) for r in body["results"]] == [
        ("2031-02", 1),
        ("2031-03", 2),
    ]
    assert "2031-03 (2 of 5 weeks)" in page[page.index('id="months-in-part"') :][:400]


@pytest.mark.parametrize(("types", "by"), [("1", "week"), ("all", "month")])
def test_a_windows_notes_read_englands_periods_once_each(client, figures, types, by):
    """Which grain each month is read in (type 1 only: weeks answer it alone), then the
    periods with figures: the months without figures and the months the weeks cover in part
    both come from these, where each read them again for itself."""
    url = f"/api/v1/performance/?from=2012-04-01&to=2013-03-31&by={by}&code=ZP2&type={types}"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    england = [q["sql"] for q in queries.captured_queries if "aeenglandperiod" in q["sql"]]
    assert len(england) == (2 if types == "1" else 1)
