"""The seed's winter fund allocated by its rule (the seed funds and `winter`: tests/conftest.py)."""

import pytest

from funding import services


@pytest.fixture
def winter_allocated(winter):
    """The winter fund with current allocations from a run of its rule."""
    run = services.fund_recompute_request(fund=winter, triggered_by="test")
    assert services.allocation_run_start(run=run).status == "succeeded"
    return winter
