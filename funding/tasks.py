"""Celery tasks: each loads by id and calls a service, nothing more."""

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from . import services
from .models import AllocationRun, Fund


@shared_task(
    bind=True,
    acks_late=True,
    # The run's row holds its outcome. Without a stored result, sending needs only the
    # broker: with it, a Redis result backend that is down made each send retry for 19 s.
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def recompute_fund(self, run_id: int) -> dict:
    run = AllocationRun.objects.filter(pk=run_id).first()
    if run is None:
        return {"run": run_id, "status": "gone"}
    try:
        run = services.allocation_run_start(run=run, task_id=self.request.id or "")
    except services.FundBusy as busy:
        raise self.retry(exc=busy, countdown=3, max_retries=100) from busy
    services.run_finished_announce(run=run)
    return {"run": run.pk, "status": run.status}


@shared_task
def recompute_all_funds() -> int:
    runs = [
        services.fund_recompute_request(fund=fund, triggered_by="nightly schedule")
        for fund in Fund.objects.filter(rule__isnull=False)
    ]
    return sum(run is not None for run in runs)


@shared_task
def requeue_pending_runs() -> int:
    return services.pending_runs_enqueue()


@shared_task
def reap_stale_runs() -> int:
    return services.stale_runs_fail(retry=True)


@worker_ready.connect
def runs_recover_on_start(**kwargs) -> None:
    """A worker starting (after a crash, or the broker's return) frees runs whose worker died
    and sends the runs that never reached a broker."""
    services.stale_runs_fail(retry=True)
    # Not the runs already queued: each worker of a scaled-up fleet would send them again.
    services.pending_runs_enqueue(older_than_seconds=0, unsent_only=True)
