"""Which figures answer a question: weekly figures count type 1 attendances only, so they
answer type 1 questions, each organisation's month using its own monthly type 1 figures
where it has them, else its weeks; a question about every type reads monthly figures alone.

Adding one trust's type 1 weeks to another's every-type month made "all types" a splice of
two measures: a trust with no every-type figures topped the all-types league on its type 1
performance, and a quarter added two months of every type to a month of type 1."""

import datetime as dt

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

# Months no real figures reach, so the national data, if imported, is not in the way.
JANUARY, MARCH = dt.date(2031, 1, 1), dt.date(2031, 3, 1)


@pytest.fixture
def monthly_and_weekly():
    """ZM1 has a monthly total for March (every type) and weeks; ZW1 weeks alone; ZT1 a
    monthly type 1 figure for March beside its weeks."""
    both, weekly, typed = factories.trust("ZM1"), factories.trust("ZW1"), factories.trust("ZT1")
    factories.ae_month(both, MARCH, 10_000, 1_000, department_type="total")
    factories.ae_month(typed, MARCH, 5_000, 500, department_type="1")
    for organisation, week_end, attendances, over_4h in [
        (both, dt.date(2031, 1, 12), 2_000, 100),
        (both, dt.date(2031, 3, 9), 2_000, 100),
        (both, dt.date(2031, 3, 16), 2_000, 100),
        (weekly, dt.date(2031, 1, 12), 1_000, 100),
        (weekly, dt.date(2031, 3, 9), 1_500, 300),
        (weekly, dt.date(2031, 3, 16), 1_500, 150),
        (typed, dt.date(2031, 3, 9), 1_200, 120),  # March is held monthly: not read
    ]:
        factories.ae_week(organisation, week_end, attendances, over_4h)


def performance(client, query: str, types: str) -> dict[str, tuple[str, int, int]]:
    response = client.get(f"/api/v1/performance/?{query}&type={types}&code=ZM1,ZW1,ZT1")
    assert response.status_code == 200, response.content
    return {
        row["ods_code"]: (row["period"], row["attendances"], row["over_4h"])
        for row in response.json()["results"]
    }


MARCH_QUERIES = [
    ("from=2031-03-01&to=2031-03-31&by=month", "2031-03"),  # the month summary
    ("from=2031-03-05&to=2031-03-31&by=month", "2031-03"),  # the figures themselves
    ("from=2031-03-01&to=2031-03-31&by=year", "2030-31"),
]


@pytest.mark.parametrize(("query", "period"), MARCH_QUERIES)
def test_every_type_is_answered_by_monthly_figures_alone(client, monthly_and_weekly, query, period):
    assert performance(client, query, "all") == {
        "ZM1": (period, 10_000, 1_000),
        "ZT1": (period, 5_000, 500),
    }


@pytest.mark.parametrize(("query", "period"), MARCH_QUERIES)
def test_type_1_uses_each_trusts_monthly_type_1_figures_else_its_weeks(
    client, monthly_and_weekly, query, period
):
    assert performance(client, query, "1") == {
        "ZM1": (period, 4_000, 200),  # its monthly figure is a total, not type 1
        "ZW1": (period, 3_000, 450),
        "ZT1": (period, 5_000, 500),
    }


def test_a_quarter_adds_each_measures_own_months(client, monthly_and_weekly):
    query = "from=2031-01-01&to=2031-03-31&by=quarter"
    assert performance(client, query, "all") == {
        "ZM1": ("2030-31 Q4", 10_000, 1_000),
        "ZT1": ("2030-31 Q4", 5_000, 500),
    }
    assert performance(client, query, "1") == {
        "ZM1": ("2030-31 Q4", 6_000, 300),
        "ZW1": ("2030-31 Q4", 4_000, 550),
        "ZT1": ("2030-31 Q4", 5_000, 500),
    }


@pytest.mark.parametrize(
    ("types", "ranked"),
    [
        ("all", {"ZM1": 10_000, "ZT1": 5_000}),
        ("1", {"ZW1": 3_000, "ZM1": 4_000, "ZT1": 5_000}),
    ],
)
def test_the_league_ranks_only_trusts_with_figures_of_the_measure(
    client, monthly_and_weekly, types, ranked
):
    response = client.get(f"/api/v1/performance/league/?from=2031-03-01&to=2031-03-31&type={types}")
    assert {row["ods_code"]: row["attendances"] for row in response.json()["results"]} == ranked


@pytest.mark.parametrize(("types", "months"), [("all", ["2031-03"]), ("1", ["2031-01", "2031-03"])])
def test_an_spc_chart_by_month_plots_one_measure(client, types, months):
    """Every week of January and March, and a monthly total for March."""
    trust = factories.trust("ZS1")
    factories.ae_month(trust, MARCH, 10_000, 1_000, department_type="total")
    sundays = [dt.date(2031, 1, day) for day in (5, 12, 19, 26)]
    sundays += [dt.date(2031, 3, day) for day in (2, 9, 16, 23, 30)]
    for sunday in sundays:
        factories.ae_week(trust, sunday, 2_000, 100 + sunday.day)
    response = client.get(
        f"/api/v1/performance/spc/?from=2031-01-01&to=2031-03-31&type={types}&code=ZS1&by=month"
    )
    # One point is too few for a chart; the error names the months it had.
    if len(months) == 1:
        assert response.status_code == 400
        return
    assert response.status_code == 200, response.content
    assert [row["period"] for row in response.json()["results"]] == months


@pytest.mark.parametrize("endpoint", ["performance/?code=ZW1", "performance/spc/?code=ZW1"])
def test_weeks_of_every_type_are_refused_by_name(client, monthly_and_weekly, endpoint):
    response = client.get(f"/api/v1/{endpoint}&from=2031-01-01&to=2031-03-31&by=week&type=all")
    assert response.status_code == 400
    assert "weekly figures count type 1 attendances only" in response.json()["type"][0]


def test_weeks_asked_for_without_a_type_are_type_1(client, monthly_and_weekly):
    response = client.get("/api/v1/performance/?code=ZW1&from=2031-01-01&to=2031-03-31&by=week")
    assert response.status_code == 200, response.content
    assert [row["attendances"] for row in response.json()["results"]] == [1_000, 1_500, 1_500]
