"""Recomputes through real Celery worker processes on the configured broker."""

import datetime as dt
import time

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from funding.models import AllocationRun, Fund, PublishedAllocation
from tests.conftest import service_missing
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


def connections_since(moment) -> list[int]:
    """The process ids of this database's connections opened since `moment`, other than
    this test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_start > %s ORDER BY pid",
            [moment],
        )
        return [pid for (pid,) in cursor.fetchall()]


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        service_missing("a worker's connections are seen in PostgreSQL's pg_stat_activity")


def test_a_worker_keeps_its_database_connection_from_run_to_run():
    """A connection per run cost a small run about a fifth of its time (Celery closes each
    one after its task unless told otherwise)."""
    needs_postgresql()
    fund = small_fund()
    with live_worker():
        sent = timezone.now()
        for triggered_by in ("first", "second"):
            run = AllocationRun.objects.create(fund=fund, triggered_by=triggered_by)
            celery_app.send_task("funding.tasks.recompute_fund", args=[run.pk])
            wait_for([run])
            if triggered_by == "first":
                kept = connections_since(sent)
                assert len(kept) == 1, f"the worker's connections after its first run: {kept}"
        assert connections_since(sent) == kept


def test_a_worker_whose_connection_was_lost_between_runs_reconnects_for_the_next():
    """As the web process does between requests: the connection is checked before a task
    uses it, so a database restart costs no run."""
    needs_postgresql()
    fund = small_fund()
    with live_worker():
        sent = timezone.now()
        first = AllocationRun.objects.create(fund=fund, triggered_by="first")
        celery_app.send_task("funding.tasks.recompute_fund", args=[first.pk])
        wait_for([first])
        lost = connections_since(sent)
        assert lost, "the worker kept no connection to lose"
        with connection.cursor() as cursor:
            for pid in lost:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        second = AllocationRun.objects.create(fund=fund, triggered_by="second")
        celery_app.send_task("funding.tasks.recompute_fund", args=[second.pk])
        # A task that failed on the lost connection would be retried in 1 s, 2 s, 4 s...
        assert wait_for([second], timeout=10) == {second.pk: "skipped"}
        second.refresh_from_db()
        assert second.notes == [f"Inputs unchanged since run {first.pk}."]
