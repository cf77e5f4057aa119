"""The cut-off of a worst-N rule, as the fund page and the API show it."""

import datetime as dt

import pytest

from funding.models import AllocationRule
from tests import factories

pytestmark = pytest.mark.django_db

# Months no real figures reach, so the national data, if imported, ranks nobody.
SELECTION = {"window_from": "2031-01-01", "window_to": "2031-03-31"}


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
    fund = factories.fund("every-ranked", announced_on=dt.date(2031, 9, 10))
    factories.rule(
        fund,
        AllocationRule.Kind.WORST_N,
        n=5,
        total="9000",
        share="equal",
        eligible_kinds=["trust"],
        department_types=["1"],
        **SELECTION,
    )
    assert factories.run(fund).recipient_count == 3

    page = client.get("/funds/every-ranked/")
    impact = client.get("/api/v1/funds/every-ranked/impact/")

    assert page.status_code == 200 and 'id="discontinuity"' not in page.content.decode()
    assert impact.status_code == 200 and impact.json()["discontinuity"] is None
