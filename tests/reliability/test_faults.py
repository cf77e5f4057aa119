"""Faults against the real services: a worker killed mid-run, the broker down when a fund is
saved, and the database restarted under a running web process."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.db import transaction

from config.celery import app as celery_app
from funding import services
from funding.models import Allocation, AllocationRule, AllocationRun, Fund, PublishedAllocation
from tests.conftest import service_missing
from tests.servers import free_port, postgres_cluster
from tests.workers import BASE_DIR, live_worker
from trusts.models import Organisation

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

RECIPIENTS = 20_000  # enough that a run takes seconds, so a worker can be killed during it


def big_fund(recipients: int = RECIPIENTS) -> Fund:
    """A fund paying £1 to each of `recipients` organisations of its own (a `fixed` rule)."""
    fund = Fund.objects.create(
        slug="fault-fund",
        name="Fault test fund",
        announced_by=Fund.Body.DH,
        announced_on=dt.date(2013, 9, 10),
        total_pence=recipients * 100,
        purpose="Testing faults",
        money_kind=Fund.MoneyKind.NEW,
        route=Fund.Route.DIRECT_TO_TRUSTS,
    )
    AllocationRule.objects.create(fund=fund, kind="fixed", parameters={})
    organisations = Organisation.objects.bulk_create(
        Organisation(ods_code=f"F{i:05d}", name=f"Fault test {i}", kind="other_provider")
        for i in range(recipients)
    )
    PublishedAllocation.objects.bulk_create(
        PublishedAllocation(fund=fund, recipient=o, amount_pence=100, source="test")
        for o in organisations
    )
    return fund


def wait_for(predicate, timeout=120, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    raise AssertionError("timed out")


def pool_children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(line) for line in found.stdout.split()]


def test_a_worker_killed_mid_run_is_redelivered_and_completes():
    fund = big_fund()
    first = services.allocation_run_start(
        run=AllocationRun.objects.create(fund=fund, triggered_by="first")
    )
    assert first.is_current
    PublishedAllocation.objects.filter(fund=fund).update(amount_pence=99)
    with live_worker() as worker:
        # Made once the worker is up: a worker starting sends the runs never sent.
        run = AllocationRun.objects.create(fund=fund, triggered_by="to be killed")
        celery_app.send_task("funding.tasks.recompute_fund", args=[run.pk])
        wait_for(lambda: AllocationRun.objects.get(pk=run.pk).status == "running")
        # Killed as soon as the run is seen running: on PostgreSQL a 20,000-recipient run
        # can finish within half a second.
        children = pool_children(worker.pid)
        assert children, "the worker has no pool process to kill"
        for child in children:
            os.kill(child, signal.SIGKILL)
        # Killed mid-run: the earlier allocations are still the current ones, whole.
        current = AllocationRun.objects.get(fund=fund, is_current=True)
        assert current.pk == first.pk
        assert Allocation.objects.filter(run=first).count() == RECIPIENTS
        assert not Allocation.objects.filter(run=run, run__is_current=True).exists()
        # The message comes back (late acknowledgement) and the same run completes.
        finished = wait_for(
            lambda: (
                (r := AllocationRun.objects.get(pk=run.pk)).status not in ("pending", "running")
                and r
            )
        )
    assert finished.status == "succeeded", finished.error
    assert AllocationRun.objects.get(fund=fund, is_current=True).pk == run.pk
    amounts = Allocation.objects.filter(run=run).values_list("amount_pence", flat=True)
    assert len(amounts) == RECIPIENTS and set(amounts) == {99}


@pytest.fixture
def broker_down():
    """Points the app at a port where no broker listens, as if Redis had stopped."""
    if not celery_app.conf.broker_url.startswith("redis://"):
        service_missing("the broker-down test stops talking to a Redis broker")
    real = celery_app.conf.broker_url

    def point_at(url):
        celery_app.conf.broker_url = celery_app.conf.broker_write_url = url
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    point_at("redis://127.0.0.1:1/0")
    yield lambda: point_at(real)
    point_at(real)


def test_the_broker_down_when_a_fund_is_saved_leaves_a_pending_run_that_runs_later(broker_down):
    fund = big_fund(recipients=1)
    with transaction.atomic():  # as the admin saves a fund, then asks for a recompute
        fund.name = "Fault test fund, renamed"
        fund.save()
        run = services.fund_recompute_request(fund=fund, triggered_by="admin save")
    assert Fund.objects.get(pk=fund.pk).name == "Fault test fund, renamed"
    run.refresh_from_db()
    assert (run.status, run.task_id) == ("pending", "")

    broker_down()  # the broker is back
    with live_worker():
        assert services.pending_runs_enqueue(older_than_seconds=0) == 1
        finished = wait_for(
            lambda: (
                (r := AllocationRun.objects.get(pk=run.pk)).status != "pending"
                and r.status != "running"
                and r
            )
        )
    assert finished.status == "succeeded" and finished.is_current


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_web_process_survives_a_database_restart():
    # A PostgreSQL of the test's own: the machine's server is shared and is never stopped.
    with postgres_cluster() as postgres:
        database_url = postgres.database_url("restart")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_HSTS_SECONDS": "0",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
        port = free_port()
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"],
            cwd=BASE_DIR,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _try(lambda: _get(f"{base}/healthz") == 200), timeout=30)
            assert _get(f"{base}/api/v1/funds/") == 200
            postgres.stop()
            try:
                # Down: clean refusals, not hangs or crashes of the web process.
                assert _get(f"{base}/healthz") == 503
                assert _get(f"{base}/api/v1/funds/") == 500
                assert web.poll() is None
            finally:
                postgres.start()
            # Back: the same process answers again, without a restart.
            wait_for(lambda: _get(f"{base}/api/v1/funds/") == 200, timeout=60, interval=0.5)
            assert _get(f"{base}/healthz") == 200
        finally:
            web.terminate()
            web.wait(timeout=20)


def _try(check):
    try:
        return check()
    except OSError:
        return False
