"""Recomputes through real Celery worker processes on the configured broker."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from funding.models import AllocationRun, Fund, PublishedAllocation
from tests.workers import live_worker
from trusts.models import Organisation

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def small_fund() -> Fund:
    fund = Fund.objects.create(
        slug="test-fund",
        name="Test fund",
        announced_by=Fund.Body.DH,
        announced_on=dt.date(2013, 9, 10),
        total_pence=1_000_00,
        purpose="Testing",
        money_kind=Fund.MoneyKind.NEW,
        route=Fund.Route.DIRECT_TO_TRUSTS,
    )
    trust = Organisation.objects.create(ods_code="ZW1", name="Test Trust", kind="trust")
    PublishedAllocation.objects.create(fund=fund, recipient=trust, amount_pence=400_00, source="t")
    return fund


def wait_for(runs, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = {run.pk: AllocationRun.objects.get(pk=run.pk).status for run in runs}
        if all(status not in ("pending", "running") for status in statuses.values()):
            return statuses
        time.sleep(0.3)
    raise AssertionError(f"runs did not finish: {statuses}")


def retry_scheduled(run_id: int) -> bool:
    """Whether a worker holds the run's task for later (a retry's countdown): the task was
    sent without one."""
    held = celery_app.control.inspect(timeout=0.5).scheduled() or {}
    return any(
        entry["request"]["args"] == [run_id] for entries in held.values() for entry in entries
    )


def test_two_workers_racing_for_one_fund_make_exactly_one_new_run():
    fund = small_fund()
    runs = [AllocationRun.objects.create(fund=fund, triggered_by=f"race {i}") for i in range(2)]
    with live_worker(hostname="first"), live_worker(hostname="second"):
        for run in runs:
            celery_app.send_task("funding.tasks.recompute_fund", args=[run.pk])
        statuses = wait_for(runs)
    assert sorted(statuses.values()) == ["skipped", "succeeded"]
    assert AllocationRun.objects.filter(fund=fund, is_current=True).count() == 1


def test_a_run_waits_while_another_worker_holds_its_fund():
    """The race made certain: a run of the fund is held "running" (as by a worker on another
    machine, from this test's own database connection) while a worker picks up a second run.
    The second must wait and retry, not compute beside it, and go ahead once the first ends."""
    fund = small_fund()
    held = AllocationRun.objects.create(
        fund=fund,
        triggered_by="held by another worker",
        status=AllocationRun.Status.RUNNING,
        started_at=timezone.now(),
        task_id="another-worker",
    )
    waiting = AllocationRun.objects.create(fund=fund, triggered_by="waiting")
    with live_worker():
        celery_app.send_task("funding.tasks.recompute_fund", args=[waiting.pk])
        # A worker that waits puts the task back for 3 s, where the worker holds it until
        # then; one that did not wait would have computed the fund on taking it.
        deadline = time.monotonic() + 30
        while not retry_scheduled(waiting.pk):
            waiting.refresh_from_db()
            assert waiting.status == "pending", "the run went ahead beside the one holding its fund"
            assert time.monotonic() < deadline, "the worker never put the run back to wait"
        assert not AllocationRun.objects.filter(fund=fund, is_current=True).exists()
        AllocationRun.objects.filter(pk=held.pk).update(
            status=AllocationRun.Status.FAILED, finished_at=timezone.now(), error="test over"
        )
        assert wait_for([waiting]) == {waiting.pk: "succeeded"}


def test_the_same_task_delivered_twice_runs_once():
    fund = small_fund()
    run = AllocationRun.objects.create(fund=fund, triggered_by="twice")
    with live_worker(concurrency=2):
        for _ in range(2):
            celery_app.send_task("funding.tasks.recompute_fund", args=[run.pk])
        wait_for([run])
        time.sleep(1)
    assert AllocationRun.objects.get(pk=run.pk).status == "succeeded"
    assert AllocationRun.objects.filter(fund=fund).count() == 1
    assert AllocationRun.objects.get(pk=run.pk).allocations.count() == 1
