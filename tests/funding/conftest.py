"""Funds as an admin finds them: the seed funds, with a fund admin allowed to edit them."""

import pytest

from funding import services
from funding.models import Fund


@pytest.fixture
def winter(fund_admin, seed_funds):
    return Fund.objects.get(slug="ae-winter-2013-14")


@pytest.fixture
def winter_allocated(winter):
    """The winter fund with current allocations from a run of its rule."""
    run = services.fund_recompute_request(fund=winter, triggered_by="test")
    assert services.allocation_run_start(run=run).status == "succeeded"
    return winter
