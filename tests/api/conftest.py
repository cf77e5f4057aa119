import datetime as dt

import pytest

from funding import services
from funding.models import AllocationRun, Fund, PublishedAllocation
from tests.live import SERVERS, served
from trusts.models import Organisation


@pytest.fixture(scope="module")
def demo_site(demo_data, django_db_blocker, static_collected):
    """The demo funds, committed, served by gunicorn as in production."""
    with (
        django_db_blocker.unblock(),
        served("gunicorn", static_root=static_collected) as base,
    ):
        yield base


@pytest.fixture(scope="module", params=SERVERS)
def live_site(request, test_database, django_db_blocker, static_collected):
    """The site under the development server (`make run`), then under gunicorn. Tests using it
    commit their own data (`django_db(transaction=True)`): a transaction held open by the test
    would make the server wait for the database."""
    with (
        django_db_blocker.unblock(),
        served(request.param, static_root=static_collected) as base,
    ):
        yield base


def published_fund(slug: str, pence_by_trust: dict[str, int]) -> Fund:
    """A fund with published allocations to new trusts (ODS code -> pence), and no rule."""
    fund = Fund.objects.create(
        slug=slug,
        name=slug.replace("-", " ").capitalize(),
        announced_by=Fund.Body.DH,
        announced_on=dt.date(2013, 9, 10),
        total_pence=1_000_00,
        purpose="Testing the API",
        money_kind=Fund.MoneyKind.NEW,
        route=Fund.Route.DIRECT_TO_TRUSTS,
    )
    for code, pence in pence_by_trust.items():
        trust = Organisation.objects.create(ods_code=code, name=f"Trust {code}", kind="trust")
        PublishedAllocation.objects.create(
            fund=fund, recipient=trust, amount_pence=pence, source="t"
        )
    return fund


def computed_fund(slug: str, pence_by_trust: dict[str, int]) -> Fund:
    """A fund with published allocations (see published_fund), made current by a run."""
    fund = published_fund(slug, pence_by_trust)
    services.allocation_run_start(run=AllocationRun.objects.create(fund=fund, triggered_by="t"))
    return fund


@pytest.fixture
def small_fund() -> Fund:
    """One fund with one published allocation: enough for a recompute to queue a run."""
    return published_fund("live-fund", {"ZW1": 400_00})
