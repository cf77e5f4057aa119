"""Who a fund pays is who existed in its year: budgets set before a merger (2015-16's, set in
2013 for three Newcastle and Gateshead CCGs) are paid to the CCG that held the money when the
year came (Newcastle Gateshead CCG, from April 2015), not to CCGs that had closed."""

import datetime as dt

import pytest

from tests import factories
from trusts.models import BaselineBudget

pytestmark = pytest.mark.django_db


def test_a_top_slice_of_closed_ccgs_budgets_is_their_successors(client):
    north, south = factories.ccg("ZY1"), factories.ccg("ZY2")
    merged = factories.ccg("ZY3", opened_on=dt.date(2015, 4, 1))
    alone = factories.ccg("ZY4")
    for ccg, pounds in ((north, 100_000), (south, 300_000), (alone, 200_000)):
        BaselineBudget.objects.create(
            organisation=ccg, financial_year="2015-16", amount_pence=pounds * 100, source="t"
        )
    for closed in (north, south):
        factories.succession(closed, merged, dt.date(2015, 4, 1), kind="merger")
    fund = factories.fund("top-slice-2015-16", total_pence=21_000_00, financial_years=["2015-16"])
    factories.rule(fund, "top_slice", percent="3.5", eligible_kinds=["ccg"], budget_year="2015-16")
    assert factories.run(fund).status == "succeeded"

    rows = client.get(
        "/api/v1/allocations/?fund=top-slice-2015-16&recipient=ZY1,ZY2,ZY3,ZY4"
    ).json()
    paid = {r["recipient"]["ods_code"]: (r["amount"], r["rationale"]) for r in rows["results"]}

    assert set(paid) == {"ZY3", "ZY4"}
    # 3.5% of £400,000, the two closed CCGs' budgets together.
    assert paid["ZY3"][0] == "14000.00"
    assert "ZY1 and ZY2" in paid["ZY3"][1]
    assert paid["ZY4"][0] == "7000.00"


def test_a_recipient_formed_after_the_funds_year_began_is_named_as_such(client):
    """A 2014-15 fund modelled on October 2015's registered populations paid Newcastle
    Gateshead CCG, which took over its three predecessors in April 2015, and said nothing."""
    north, south = factories.ccg("ZX1"), factories.ccg("ZX2")
    merged = factories.ccg("ZX3")
    for closed in (north, south):
        factories.succession(closed, merged, dt.date(2015, 4, 1), kind="merger")
    fund = factories.fixed_fund(
        {merged: 500_00, factories.ccg("ZX4"): 500_00},
        slug="winter-2014-15",
        financial_years=["2014-15"],
    )
    factories.run(fund)

    page = client.get("/funds/winter-2014-15/").content.decode()
    body = client.get("/api/v1/funds/winter-2014-15/").json()

    assert "took over ZX1 and ZX2 on 1 Apr 2015, after the fund&#x27;s years began" in page
    assert body["recipients_formed_later"] == [
        {"ods_code": "ZX3", "name": merged.name, "took_over": ["ZX1", "ZX2"], "on": "2015-04-01"}
    ]


def test_a_trust_ranked_on_its_own_figures_is_not_said_to_be_paid_what_it_took_over(client):
    """The 2013-14 winter fund's page said Lewisham and Greenwich "took over RYQ ... the figures
    the rule read count them as one, so it is paid what they held", while its ranking held the
    two apart and paid each its own share."""
    taken, taker = factories.trust("ZX5"), factories.trust("ZX6")
    factories.ae_months(
        {(t, dt.date(2031, 1, 1)): (1_000, 100 * i) for i, t in enumerate((taken, taker), 1)}
    )
    factories.succession(taken, taker, dt.date(2031, 10, 1), kind="acquisition")
    fund = factories.fund("ranked-2031-32", total_pence=1_000_00, financial_years=["2031-32"])
    factories.rule(
        fund,
        "worst_n",
        n=2,
        total="1000.00",
        share="equal",
        eligible_kinds=["trust"],
        window_from="2031-01-01",
        window_to="2031-01-31",
        department_types=["1"],
    )
    assert factories.run(fund).status == "succeeded"

    body = client.get("/api/v1/funds/ranked-2031-32/").json()

    assert body["recipient_count"] == 2
    assert body["recipients_formed_later"] == []
