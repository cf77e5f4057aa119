"""Workers and their broker failing as a whole (issue 18): a worker killed with SIGKILL, main
process and pool together, mid-run; the broker down while funds are saved."""

import datetime as dt
import os
import signal
import time

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from funding import services
from funding.models import AllocationRule, AllocationRun, Fund, PublishedAllocation
from tests.reliability.test_faults import RECIPIENTS, big_fund, pool_children, wait_for
from tests.servers import redis_server
from tests.workers import live_worker
from trusts.models import Organisation

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Short enough that a dead worker is noticed within seconds, not the production minutes.
QUICK_REAPER = {"RUN_HEARTBEAT_SECONDS": "1", "RUN_STALE_SECONDS": "5", "RUN_REAPER_SECONDS": "2"}


def _finished(run_id: int):
    run = AllocationRun.objects.get(pk=run_id)
    return run if run.status not in ("pending", "running") else None


def test_a_worker_killed_as_a_whole_mid_run_is_failed_and_retried(tmp_path, settings):
    fund = big_fund()
    first = services.allocation_run_start(
        run=AllocationRun.objects.create(fund=fund, triggered_by="first")
    )
    PublishedAllocation.objects.filter(fund=fund).update(amount_pence=99)
    with live_worker(extra_env=QUICK_REAPER) as worker:
        # Made once the worker is up: a worker starting sends the runs never sent.
        run = AllocationRun.objects.create(fund=fund, triggered_by="to be killed")
        celery_app.send_task("funding.tasks.recompute_fund", args=[run.pk])
        wait_for(lambda: AllocationRun.objects.get(pk=run.pk).status == "running")
        # Killed as soon as the run is seen running: on PostgreSQL a 20,000-recipient run
        # can finish within half a second.
        for pid in [*pool_children(worker.pid), worker.pid]:
            os.kill(pid, signal.SIGKILL)
        worker.wait()
    killed_at = time.monotonic()
    assert AllocationRun.objects.get(pk=run.pk).status == "running"  # as the worker left it
    assert AllocationRun.objects.get(fund=fund, is_current=True).pk == first.pk
    # A worker starts again, as compose or a supervisor would start it, with its scheduler.
    with live_worker(extra_env=QUICK_REAPER, beat_schedule=tmp_path / "beat") as _:
        failed = wait_for(lambda: _finished(run.pk), timeout=5 * 60)
        retry = wait_for(
            lambda: (
                AllocationRun.objects.filter(fund=fund, is_current=True)
                .exclude(pk=first.pk)
                .first()
            ),
            timeout=5 * 60,
        )
    assert time.monotonic() - killed_at < 5 * 60
    assert failed.status == "failed" and failed.error.startswith("Abandoned")
    assert retry.triggered_by == f"retry of run {run.pk}" and retry.status == "succeeded"
    amounts = set(retry.allocations.values_list("amount_pence", flat=True))
    assert amounts == {99} and retry.allocations.count() == RECIPIENTS


@pytest.fixture
def own_broker():
    """The app sends to a Redis of the test's own, which the test may stop and start."""
    with redis_server() as server:
        real = celery_app.conf.broker_url

        def point_at(url):
            celery_app.conf.broker_url = celery_app.conf.broker_write_url = url
            celery_app._pool = None
            celery_app.amqp._producer_pool = None

        point_at(server.url)
        try:
            yield server
        finally:
            point_at(real)


def small_funds(count: int) -> list[Fund]:
    recipient = Organisation.objects.create(ods_code="ZQ001", name="Fault test", kind="trust")
    funds = []
    for i in range(count):
        fund = Fund.objects.create(
            slug=f"broker-down-{i}",
            name=f"Broker down {i}",
            announced_by=Fund.Body.DH,
            announced_on=dt.date(2013, 9, 10),
            total_pence=10_000,
            purpose="Testing a broker that is down",
            money_kind=Fund.MoneyKind.NEW,
            route=Fund.Route.DIRECT_TO_TRUSTS,
        )
        AllocationRule.objects.create(fund=fund, kind="fixed", parameters={})
        PublishedAllocation.objects.create(
            fund=fund, recipient=recipient, amount_pence=10_000, source="test"
        )
        funds.append(fund)
    return funds


def test_with_the_broker_down_the_admin_answers_in_2_s_and_the_runs_are_done_later(
    client, superuser, own_broker
):
    funds = small_funds(8)
    client.force_login(superuser)
    changelist = reverse("admin:funding_fund_changelist")
    own_broker.stop()
    started = time.monotonic()
    response = client.post(
        changelist, {"action": "recompute", "_selected_action": [f.pk for f in funds]}
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 2, f"the recompute action took {elapsed:.1f}s with the broker down"
    runs = AllocationRun.objects.filter(fund__in=funds)
    assert sorted(runs.values_list("status", "task_id")) == [("pending", "")] * 8

    own_broker.start()  # back; a worker starting sends what never reached it
    with live_worker():
        for run in runs:
            assert wait_for(lambda run=run: _finished(run.pk), timeout=120).status == "succeeded"
