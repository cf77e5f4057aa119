"""The monthly series list: England's or chosen organisations' type 1 and every-type months, as
JSON (two labelled series) and as CSV (one row a measure and month, with the JSON's values)."""

import csv
import datetime as dt
import io

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures():
    trust = factories.trust("ZM1")
    factories.ae_month(trust, dt.date(2017, 1, 1), 5_000, 400)
    factories.ae_month(trust, dt.date(2017, 1, 1), 7_000, 500, department_type="other")
    for sunday in (3, 10, 17, 24):  # every week ending in February 2013
        factories.ae_week(trust, dt.date(2013, 2, sunday), 1_100, 80)
    return trust


def test_the_csv_is_a_table_of_the_jsons_points(client, figures):
    body = client.get("/api/v1/performance/monthly/?code=ZM1").json()
    expected = [
        {"measure": s["measure"], "label": s["label"]} | p
        for s in body["series"]
        for p in s["points"]
    ]
    response = client.get("/api/v1/performance/monthly/?code=ZM1&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == [
        "measure",
        "label",
        "month",
        "attendances",
        "over_4h",
        "percentage",
        "sources",
        "weeks",
    ]
    assert len(rows) == len(expected)
    as_text = [
        {
            k: "" if v is None else ";".join(v) if isinstance(v, list) else str(v)
            for k, v in row.items()
        }
        for row in expected
    ]
    assert rows == as_text
    january = next(r for r in rows if r["measure"] == "all" and r["month"] == "2017-01")
    assert (january["attendances"], january["over_4h"], january["percentage"]) == (
        "12000",
        "900",
        "92.50",
    )
    week = next(r for r in rows if r["measure"] == "1" and r["month"] == "2013-02")
    assert (week["attendances"], week["weeks"]) == ("4400", "4")


def test_the_api_root_lists_the_monthly_series(client):
    root = client.get("/api/v1/").json()
    assert root["monthly"].endswith("/api/v1/performance/monthly/")


def test_the_performance_list_names_the_months_its_window_has_no_figures_for(client):
    """A quarter of one month's figures read as the quarter ("2013-14 Q1" from June alone),
    and nothing said so."""
    trust = factories.trust("ZM3")
    factories.ae_month(trust, dt.date(2031, 6, 1), 1_000, 100, department_type="other")
    url = "/api/v1/performance/?from=2031-04-01&to=2031-06-30&by=quarter&type=all&code=ZM3"

    body = client.get(url).json()

    assert body["results"][0]["figures"] == 1
    assert body["months_without_figures"] == ["2031-04 to 2031-05"]
    schema = client.get("/api/v1/schema/?format=json").json()
    listed = schema["components"]["schemas"]["PaginatedPerformanceRowList"]["properties"]
    assert listed["months_without_figures"]["type"] == "array"
