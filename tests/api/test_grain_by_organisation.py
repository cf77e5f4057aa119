"""Each organisation's month uses its own monthly figures where it has them, else its weeks.

A month that some providers hold as a monthly figure (NHS England's, or the monthly totals
built from the weekly sitreps, which cover only the providers still open in 2020) is not a
month without weekly figures for the rest: a trust held in weeks alone stays in the table,
the league and every total (it dropped out, RV8 and RD8 among the worst ranked)."""

import datetime as dt

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

# Months no real figures reach, so the national data, if imported, is not in the way.
JANUARY, MARCH = dt.date(2031, 1, 1), dt.date(2031, 3, 1)


@pytest.fixture
def monthly_and_weekly():
    both, weekly = factories.trust("ZM1"), factories.trust("ZW1")
    factories.ae_month(both, MARCH, 10_000, 1_000, department_type="total")
    for organisation, week_end, attendances, over_4h in [
        (both, dt.date(2031, 1, 12), 2_000, 100),
        (both, dt.date(2031, 3, 9), 2_000, 100),  # March is held monthly: these are not read
        (both, dt.date(2031, 3, 16), 2_000, 100),
        (weekly, dt.date(2031, 1, 12), 1_000, 100),
        (weekly, dt.date(2031, 3, 9), 1_500, 300),
        (weekly, dt.date(2031, 3, 16), 1_500, 150),
    ]:
        factories.ae_week(organisation, week_end, attendances, over_4h)


def performance(client, query: str) -> dict[str, tuple[str, int, int]]:
    response = client.get(f"/api/v1/performance/?{query}&type=all&code=ZM1,ZW1")
    assert response.status_code == 200, response.content
    return {
        row["ods_code"]: (row["period"], row["attendances"], row["over_4h"])
        for row in response.json()["results"]
    }


@pytest.mark.parametrize(
    ("query", "period"),
    [
        ("from=2031-03-01&to=2031-03-31&by=month", "2031-03"),  # the month summary
        ("from=2031-03-05&to=2031-03-31&by=month", "2031-03"),  # the figures themselves
        ("from=2031-03-01&to=2031-03-31&by=year", "2030-31"),
    ],
)
def test_a_month_held_monthly_for_one_trust_keeps_another_trusts_weeks(
    client, monthly_and_weekly, query, period
):
    assert performance(client, query) == {
        "ZM1": (period, 10_000, 1_000),
        "ZW1": (period, 3_000, 450),
    }


def test_a_quarter_with_such_a_month_adds_each_trusts_own_months(client, monthly_and_weekly):
    assert performance(client, "from=2031-01-01&to=2031-03-31&by=quarter") == {
        "ZM1": ("2030-31 Q4", 12_000, 1_100),
        "ZW1": ("2030-31 Q4", 4_000, 550),
    }


def test_the_league_ranks_the_trust_held_in_weeks(client, monthly_and_weekly):
    response = client.get("/api/v1/performance/league/?from=2031-03-01&to=2031-03-31&type=all")
    ranked = {row["ods_code"]: row["attendances"] for row in response.json()["results"]}
    assert ranked == {"ZW1": 3_000, "ZM1": 10_000}
