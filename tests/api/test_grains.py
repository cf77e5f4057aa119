"""Windows across weekly and monthly figures: each month uses its own, nothing is dropped
silently, and the week-in-window rule is stated. REAL shipped data: weekly type 1 figures to
early 2015, monthly figures from April 2016."""

import datetime as dt

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]


def test_an_spc_chart_across_both_grains_shows_every_month_of_figures(client):
    # Type 1: its monthly figures begin in April 2016 (all types' go back to November 2010).
    body = client.get(
        "/api/v1/performance/spc/?from=2014-01-01&to=2016-12-31&code=RRK&by=month&type=1"
    ).json()
    rows = body["results"]
    grains = {r["period"]: r["grain"] for r in rows}
    assert grains["2014-01"] == "week" and grains["2016-04"] == "month"
    assert "2016-12" in grains and "2014-12" in grains
    assert "week ends" in body["week_rule"]
    assert any("monthly type 1 figures use them" in note for note in body["notes"])


def test_rv8_from_2010_to_2016_is_charted_from_its_weeks(client):
    # North West London Hospitals (RV8) merged into R1K in October 2014, before the monthly
    # figures begin; a window reaching into 2016 used to find monthly figures and chart none.
    body = client.get(
        "/api/v1/performance/spc/?from=2010-04-01&to=2016-06-30&code=RV8&by=month&type=1"
    ).json()
    rows = body["results"]
    assert len(rows) > 40 and {r["grain"] for r in rows} == {"week"}
    # The first point starts on its first week's first day, not on the first of the month.
    first = rows[0]
    assert first["period"] == "2010-11"
    assert dt.date.fromisoformat(first["start"]) < dt.date(2010, 11, 7)
    assert body["variation"] and body["assurance"] and body["standard_percentage"] == "95.00"


def test_a_league_across_both_grains_counts_the_weeks_and_the_months(client):
    def attendances(query):
        body = client.get(f"/api/v1/performance/league/?{query}&type=1&page_size=1000").json()
        return {r["ods_code"]: r["attendances"] for r in body["results"]}

    both = attendances("from=2014-01-01&to=2016-12-31")
    weeks = attendances("from=2014-01-01&to=2015-12-31")
    months = attendances("from=2016-01-01&to=2016-12-31")
    assert both["RRK"] == weeks["RRK"] + months["RRK"]
    assert weeks["RRK"] > 0 and months["RRK"] > 0


def test_limits_start_again_at_a_chosen_change_point(client):
    url = "/api/v1/performance/spc/?from=2012-04-01&to=2014-03-31&type=1&code=RV8&by=month"
    rows = client.get(f"{url}&change_at=2013-04").json()["results"]
    at = next(i for i, r in enumerate(rows) if r["period"] == "2013-04")
    assert rows[at]["limits_from"] == "change point"
    assert rows[at]["mean"] != rows[at - 1]["mean"]
    bad = client.get(f"{url}&change_at=2019-01")
    assert bad.status_code == 400 and "2019-01" in bad.json()["detail"]


def test_a_month_built_from_weeks_says_how_many(client):
    """A month of weekly figures holds the weeks that end in it, four or five: England's type 1
    attendances "rose" 28% from February to March 2013 (four weeks against five)."""
    series = client.get("/api/v1/performance/monthly/?code=RWE").json()["series"]
    points = {
        (s["measure"], p["month"]): p for s in series for p in s["points"] if p["attendances"]
    }
    assert points[("1", "2013-02")]["weeks"] == 4 and points[("1", "2013-03")]["weeks"] == 5
    assert points[("1", "2017-03")]["weeks"] is None  # a monthly figure
    assert points[("all", "2013-02")]["weeks"] is None
