"""Each of a run's transactions commits its data version with it: the claim, and the
outcome (succeeded, skipped or failed), each one commit, not a commit and a bump after it.
Outside a test's transaction, as a worker runs: commits are what is tested. Synthetic funds
(tests/factories.py)."""

import pytest

from funding import services
from funding.models import AllocationRun
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def started(fund, version_writes: list[bool]) -> AllocationRun:
    """A new run of the fund started, the data version's writes recorded from its start."""
    run = AllocationRun.objects.create(fund=fund, triggered_by="test")
    version_writes.clear()
    return services.allocation_run_start(run=run, task_id="task")


def test_the_claim_and_each_outcome_commit_with_their_data_version(version_writes):
    fund = factories.fixed_fund({factories.trust(): 300_00, factories.trust(): 200_00})
    for expected in ("succeeded", "skipped"):
        assert started(fund, version_writes).status == expected
        assert version_writes == [True, True]
    fund.rule.kind, fund.rule.parameters = "per_capita", {}  # as no form would save it
    fund.rule.save()
    run = started(fund, version_writes)
    assert run.status == "failed", run.error
    assert version_writes == [True, True]
