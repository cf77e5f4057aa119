"""A run's fixed cost is its round trips to the database: each one read or written once, and
the outcome it returns the one it stored. Synthetic funds (tests/factories.py)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from funding import services
from funding.models import AllocationRun
from tests import factories

pytestmark = pytest.mark.django_db

RUN_FIELDS = (
    *("status", "is_current", "progress", "started_at", "finished_at", "task_id"),
    *("inputs_fingerprint", "rule_kind", "rule_version", "total_pence", "published_pence"),
    *("recipient_count", "error", "notes"),
)


def stored(run: AllocationRun) -> dict:
    return {name: getattr(AllocationRun.objects.get(pk=run.pk), name) for name in RUN_FIELDS}


def returned(run: AllocationRun) -> dict:
    return {name: getattr(run, name) for name in RUN_FIELDS}


@pytest.fixture
def fund():
    return factories.fixed_fund({factories.trust(): 300_00, factories.trust(): 200_00})


def pending(fund) -> AllocationRun:
    return AllocationRun.objects.create(fund=fund, triggered_by="test")


def test_a_run_reads_and_writes_each_thing_once(fund, django_assert_num_queries):
    """The fund and its rule; the claim (the run, the data version, a commit); the published
    figures; the current run and its rows; the rows written; the runs and fund updated, the
    data version, the dependants; a commit. Nothing read back that the run just wrote."""
    factories.run(fund)
    run = pending(fund)
    fund.published_allocations.update(amount_pence=250_00)
    # 11 statements and the two transactions' (in a test, savepoints); inside a test's
    # transaction the data version's writes wait for its commit (test_run_commits.py has each
    # of a worker's commits carry its own). PostgreSQL's COPY of the rows is not in Django's log.
    with django_assert_num_queries(14 if connection.vendor == "postgresql" else 15):
        services.allocation_run_start(run=run, task_id="task")


def test_a_run_returns_the_outcome_it_stored(fund):
    first = services.allocation_run_start(run=pending(fund), task_id="task-1")
    assert first.status == AllocationRun.Status.SUCCEEDED
    assert returned(first) == stored(first)
    skipped = services.allocation_run_start(run=pending(fund), task_id="task-2")
    assert skipped.status == AllocationRun.Status.SKIPPED
    assert returned(skipped) == stored(skipped)
    fund.rule.kind, fund.rule.parameters = "per_capita", {}  # as no form would save it
    fund.rule.save()
    failed = services.allocation_run_start(run=pending(fund))
    assert failed.status == AllocationRun.Status.FAILED, failed.error
    assert returned(failed) == stored(failed)


def test_a_run_whose_fund_is_held_by_a_silent_worker_fails_that_run_and_goes_on(fund, settings):
    silent_since = timezone.now() - dt.timedelta(seconds=settings.RUN_STALE_SECONDS + 1)
    abandoned = AllocationRun.objects.create(
        fund=fund, triggered_by="a worker that died", status="running", heartbeat_at=silent_since
    )
    run = services.allocation_run_start(run=pending(fund), task_id="task")
    assert run.status == AllocationRun.Status.SUCCEEDED
    abandoned.refresh_from_db()
    assert abandoned.status == AllocationRun.Status.FAILED
    assert abandoned.error.startswith("Abandoned")


def test_a_run_whose_fund_is_held_by_a_live_worker_is_refused(fund):
    AllocationRun.objects.create(
        fund=fund, triggered_by="a worker", status="running", heartbeat_at=timezone.now()
    )
    run = pending(fund)
    with pytest.raises(services.FundBusy):
        services.allocation_run_start(run=run, task_id="task")
    assert AllocationRun.objects.get(pk=run.pk).status == AllocationRun.Status.PENDING


def test_a_finished_run_delivered_again_is_returned_as_it_stands(fund):
    run = services.allocation_run_start(run=pending(fund), task_id="task-1")
    again = services.allocation_run_start(run=run, task_id="task-2")
    assert returned(again) == stored(run)
