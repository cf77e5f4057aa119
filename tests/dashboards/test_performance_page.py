"""The performance page's trusts, on small data: who was a foundation trust when the money
came, in England and in a region."""

import datetime as dt

import pytest

from tests import factories
from tests.html import csv_rows
from trusts.models import FoundationTrustStatus

pytestmark = pytest.mark.django_db

WINDOWS = "before_from=2012-11-01&before_to=2013-03-31&after_from=2013-11-01&after_to=2014-03-31"


@pytest.fixture
def fund():
    """Three trusts with figures in both windows: one a foundation trust before the fund was
    announced (10 September 2013), one only after, one never; two in one region."""
    early = factories.trust("ZF1", region="ZR1")
    late = factories.trust("ZF2", region="ZR1")
    never = factories.trust("ZF3", region="ZR2")
    for trust, authorised_on in ((early, dt.date(2010, 4, 1)), (late, dt.date(2014, 6, 1))):
        FoundationTrustStatus.objects.create(
            organisation=trust, authorised_on=authorised_on, source="synthetic"
        )
    factories.ae_months(
        {
            (trust, month): (4_000, 300)
            for trust in (early, late, never)
            for month in (dt.date(2013, 1, 1), dt.date(2014, 1, 1))
        }
    )
    made = factories.fixed_fund({early: 100_000_00, never: 50_000_00})
    factories.run(made)
    return made


def foundation_trusts(client, query: str) -> dict[str, str]:
    rows = csv_rows(client, f"/performance/?{query}&format=csv", codes_starting="ZF")
    return {code: row["foundation_trust"] for code, row in rows.items()}


def test_a_trust_is_a_foundation_trust_if_it_was_one_when_the_fund_was_announced(client, fund):
    assert foundation_trusts(client, f"fund={fund.slug}&{WINDOWS}") == {
        "ZF1": "True",
        "ZF2": "False",
        "ZF3": "False",
    }
    assert foundation_trusts(client, f"fund={fund.slug}&{WINDOWS}&region=ZR1") == {
        "ZF1": "True",
        "ZF2": "False",
    }
