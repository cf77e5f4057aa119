"""The cut-off of a worst-N rule, as the fund page and the API show it."""

import datetime as dt

import pytest

from funding.models import AllocationRule
from tests import factories

pytestmark = pytest.mark.django_db

# Months no real figures reach, so the national data, if imported, ranks nobody.
SELECTION = {"window_from": "2031-01-01", "window_to": "2031-03-31"}


def worst_n_fund(slug: str, **parameters):
    """A fund announced in September 2031 whose rule ranks type 1 performance in SELECTION."""
    fund = factories.fund(slug, announced_on=dt.date(2031, 9, 10))
    factories.rule(
        fund,
        AllocationRule.Kind.WORST_N,
        total="9000",
        share="equal",
        eligible_kinds=["trust"],
        department_types=["1"],
        **SELECTION,
        **parameters,
    )
    return fund


def test_a_rule_paying_every_trust_it_ranked_has_no_cut_off_and_its_pages_still_answer(client):
    """The admin takes a worst-N rule whose N is more than the trusts with figures (all are
    paid); there is then no trust above the cut-off to set against the last one funded."""
    trusts = [factories.trust(code) for code in ("ZC1", "ZC2", "ZC3")]
    factories.ae_months(
        {
            (trust, dt.date(2031, month, 1)): (1_000, 100 * (index + 1))
            for index, trust in enumerate(trusts)
            for month in (1, 2, 3)
        }
    )
    fund = worst_n_fund("every-ranked", n=5)
    assert factories.run(fund).recipient_count == 3

    page = client.get("/funds/every-ranked/")
    impact = client.get("/api/v1/funds/every-ranked/impact/")

    assert page.status_code == 200 and 'id="discontinuity"' not in page.content.decode()
    assert impact.status_code == 200 and impact.json()["discontinuity"] is None


def test_named_recipients_and_quota_groups_each_set_their_own_cut_off(client):
    """The winter fund's rule names 10 trusts and fills quotas of foundation trusts and NHS
    trusts: the page said 'the rule funded the 53 trusts with the lowest performance' and set
    one cut-off in one ranking, counting trusts the rule passed over as funded and named
    recipients ranked far above it as unfunded."""
    from trusts.models import FoundationTrustStatus

    foundation = [factories.trust(f"ZQF{i}") for i in range(6)]
    nhs = [factories.trust(f"ZQN{i}") for i in range(6)]
    for trust in foundation:
        FoundationTrustStatus.objects.create(
            organisation=trust, authorised_on=dt.date(2020, 4, 1), source="synthetic"
        )
    # Performance in the rule's window: foundation trusts 60, 62, ..., 70%; NHS trusts 61, 63,
    # ..., 71%. Every month from January 2031 to January 2032, so the panel is balanced.
    over = {trust: 400 - 20 * i for i, trust in enumerate(foundation)}
    over |= {trust: 390 - 20 * i for i, trust in enumerate(nhs)}
    months = [dt.date(2031, m, 1) for m in range(1, 13)] + [dt.date(2032, 1, 1)]
    factories.ae_months(
        {(trust, month): (1_000, over[trust]) for trust in over for month in months}
    )
    fund = worst_n_fund(
        "quota-cut-offs",
        n=5,
        named=["ZQN5"],  # the best NHS trust, named by a source
        quotas={"foundation_trust": 2, "nhs_trust": 3},
    )
    assert factories.run(fund).status == "succeeded"

    body = client.get(
        "/api/v1/funds/quota-cut-offs/impact/"
        "?before=2031-01-01,2031-03-31&after=2031-11-01,2032-01-31"
    ).json()
    page = client.get(
        "/funds/quota-cut-offs/?before_from=2031-01-01&before_to=2031-03-31"
        "&after_from=2031-11-01&after_to=2032-01-31"
    ).content.decode()

    cut = body["discontinuity"]
    # Foundation trusts: 60% and 62% chosen, 64% passed over. NHS trusts: the named one fills
    # a place, then 61% and 63% by rank, 65% passed over.
    assert cut["cut_offs"] == [
        {"ranking": "foundation trusts", "percentage": "63.00"},
        {"ranking": "NHS trusts", "percentage": "64.00"},
    ]
    assert cut["named_recipients_left_out"] == 1 and cut["cut_off_percentage"] is None
    assert cut["trusts"] == 11  # the named trust is on neither side
    assert "rank 5 against rank 6" not in cut["rank_cut_off"]
    assert "At the cut-offs where rank decided" in page
    assert "1 named by sources whatever their rank, left out here" in page
    assert "63.00% among foundation trusts and 64.00% among NHS trusts" in page
