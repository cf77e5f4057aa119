"""A published amount of nothing is a published figure: the recipient received nothing from
that fund, whatever the model would have given it."""

import datetime as dt

import pytest

from funding.models import Allocation
from funding.selectors import received_by_recipient
from tests import factories

pytestmark = pytest.mark.django_db


def published_at_nothing(run, recipient) -> None:
    """Beside the run's modelled amount, a source's figure of nothing, as a run keeps it."""
    Allocation.objects.create(
        run=run,
        fund=run.fund,
        recipient=recipient,
        basis=Allocation.Basis.PUBLISHED,
        amount_pence=0,
        rationale="published by a source",
        changed_at=run.finished_at,
    )


def test_a_recipient_published_at_nothing_received_nothing_from_the_fund(client):
    nothing, something = factories.trust("ZZ0"), factories.trust("ZZ1")
    factories.ae_months(
        {(trust, dt.date(2031, 1, 1)): (1_000, 200) for trust in (nothing, something)}
    )
    fund = factories.fund("published-nothing")
    run = factories.run_written(fund, {nothing: 1_333_00, something: 2_000_00})
    published_at_nothing(run, nothing)

    league = client.get("/api/v1/performance/league/?from=2031-01-01&to=2031-01-31&type=1")
    funds = {row["ods_code"]: row["funds"] for row in league.json()["results"]}
    received = received_by_recipient(fund=fund)

    assert funds == {"ZZ0": [], "ZZ1": ["published-nothing"]}
    assert "ZZ0" not in received and received["ZZ1"]["pence"] == 2_000_00


def test_a_trust_published_at_nothing_is_not_among_the_funded_in_the_impact(client):
    nothing, something, other = (factories.trust(code) for code in ("ZY0", "ZY1", "ZY2"))
    factories.ae_months(
        {
            (trust, dt.date(2031, month, 1)): (1_000, 100 + month)
            for trust in (nothing, something, other)
            for month in (1, 2, 3)
        }
    )
    fund = factories.fund("published-nothing-impact", announced_on=dt.date(2031, 2, 1))
    run = factories.run_written(fund, {nothing: 1_333_00, something: 2_000_00})
    published_at_nothing(run, nothing)

    response = client.get(
        "/api/v1/funds/published-nothing-impact/impact/"
        "?before=2031-01-01,2031-01-31&after=2031-03-01,2031-03-31"
    )

    assert response.status_code == 200, response.content
    assert response.json()["treated"] == ["ZY1"]
