"""A rule's window entered in the admin: a date far outside any data is a field error, not a
server error (0001-01-01 was an OverflowError; 9999-12-31 'year 10000 is out of range')."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from funding.models import AllocationRule
from tests import factories
from tests.admin_forms import fund_page_post

pytestmark = pytest.mark.django_db

WORST_TWO = {
    "n": 2,
    "total": "1000.00",
    "share": "equal",
    "eligible_kinds": ["trust"],
    "window_from": "2013-01-01",
    "window_to": "2013-03-31",
    "department_types": ["1"],
}


@pytest.fixture
def ranked_fund():
    trusts = [factories.trust(code) for code in ("ZR1", "ZR2", "ZR3")]
    factories.ae_months({(t, dt.date(2013, 1, 1)): (1_000, 10 * i) for i, t in enumerate(trusts)})
    fund = factories.fund("ranked", total_pence=1_000_00)
    factories.rule(fund, "worst_n", **WORST_TWO)
    return fund


@pytest.mark.parametrize(
    ("field", "day"), [("window_from", "0001-01-01"), ("window_to", "9999-12-31")]
)
def test_a_window_beyond_any_data_is_refused_by_its_field(
    client, fund_admin, ranked_fund, field, day
):
    client.force_login(fund_admin)

    response = fund_page_post(
        client, ranked_fund, {f"rule-0-worst_n__{field}": day, "rule-0-reason": "a test"}
    )

    assert response.status_code == 200
    assert f"{field}: must be a date from 2000-01-01 to 2099-12-31" in response.content.decode()
    assert AllocationRule.objects.get(fund=ranked_fund).parameters[field] == WORST_TWO[field]


def test_the_preview_refuses_such_a_window_by_its_field(client, fund_admin, ranked_fund):
    client.force_login(fund_admin)
    url = reverse("admin:funding_fund_preview", args=[ranked_fund.pk])
    fields = {f"worst_n__{k}": v for k, v in WORST_TWO.items()}

    response = client.post(url, {"kind": "worst_n", **fields, "worst_n__window_from": "0001-01-01"})

    assert response.status_code == 200
    assert "window_from: must be a date from 2000-01-01 to 2099-12-31" in (
        response.content.decode()
    )


def test_a_rule_changed_directly_is_no_longer_a_scenarios_current_model(
    client, fund_admin, ranked_fund
):
    """The scenario stayed 'Current model', with its £1,000 in equal shares, beside a fund
    modelled on the new rule."""
    from funding import services
    from funding.models import Scenario

    scenario = Scenario.objects.create(
        fund=ranked_fund, name="Two worst, equal", kind="worst_n", parameters=WORST_TWO
    )
    services.scenario_make_current(scenario=scenario, reason="as announced")
    client.force_login(fund_admin)

    response = fund_page_post(
        client,
        ranked_fund,
        {"rule-0-worst_n__share": "breaches", "rule-0-reason": "a direct change"},
    )

    assert response.status_code == 302, response.context and response.context.get("errors")
    scenario.refresh_from_db()
    assert not scenario.is_current
    assert "Current model" not in client.get(f"/funds/{ranked_fund.slug}/").content.decode()
    assert client.get(f"/api/v1/funds/{ranked_fund.slug}/").json()["current_scenario"] is None


def test_more_winners_than_trusts_ranked_is_refused_by_n(client, fund_admin, ranked_fund):
    """N of 1,000 where 3 trusts report was taken, and described as 'the 1000 trusts with the
    lowest performance'."""
    client.force_login(fund_admin)

    response = fund_page_post(
        client, ranked_fund, {"rule-0-worst_n__n": "1000", "rule-0-reason": "a test"}
    )

    assert response.status_code == 200
    # 3 here, or more where the test database holds the national data set too.
    assert re.search(
        r"n: 1,000 is more than the \d+ organisations ranked in the window",
        (response.content.decode()),
    )
    assert AllocationRule.objects.get(fund=ranked_fund).parameters["n"] == 2


def test_a_rule_changed_on_its_own_page_asks_for_a_recompute(client, fund_admin, ranked_fund):
    """The rule said two trusts while the allocations still paid the old rule's, until someone
    saved the fund or the nightly run came."""
    from funding.models import AllocationRun
    from tests.admin_forms import admin_page_post

    client.force_login(fund_admin)
    rule = AllocationRule.objects.get(fund=ranked_fund)
    url = reverse("admin:funding_allocationrule_change", args=[rule.pk])

    response = admin_page_post(
        client,
        url,
        "allocationrule_form",
        {"worst_n__n": "1", "worst_n__total": "1000.00", "reason": "one trust"},
    )

    assert response.status_code == 302
    run = AllocationRun.objects.get(fund=ranked_fund, status="pending")
    messages = client.get(response.url).content.decode()
    assert f"Recompute of {ranked_fund} requested (run {run.pk})" in messages


def test_rules_are_added_on_their_funds_page_not_on_a_page_of_their_own(client, fund_admin):
    """The add page had no fund field, and every valid POST was a server error."""
    client.force_login(fund_admin)

    response = client.post(reverse("admin:funding_allocationrule_add"), {"kind": "fixed"})

    assert response.status_code == 403
    changelist = client.get(reverse("admin:funding_allocationrule_changelist")).content.decode()
    assert reverse("admin:funding_allocationrule_add") not in changelist
