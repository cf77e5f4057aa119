"""What follows an import of A&E figures, a fund's run or a fund's status step, whatever the
path it came by (fetch_ae, import_ae, the shipped data load; a worker; the admin, a seed):
special-cause signals are detected in the import's own transaction, and the alerts task is
sent once the change is committed, when someone follows what changed. The hourly beat job
sends what these could not (the broker was down)."""

import logging
from pathlib import Path

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from funding.models import AllocationRun, FundStatusChange
from funding.signals import run_finished
from trusts.signals import data_imported

from . import spc, tasks
from .models import Subscription

logger = logging.getLogger(__name__)


@receiver(data_imported, dispatch_uid="sources-signals-after-import")
def signals_detect_after_import(sender, results, **kwargs) -> None:
    months = spc.newest_months(
        file_names=[Path(result.file).name for result in results if result.category == "ae"]
    )
    spc.signals_detect_months(months)
    followed = Subscription.objects.filter(
        kind__in=[Subscription.Kind.TRUST, Subscription.Kind.REGION]
    )
    if months and followed.exists():
        transaction.on_commit(alerts_enqueue)


@receiver(post_save, sender=FundStatusChange, dispatch_uid="sources-alerts-after-step")
def alerts_after_status_step(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw and _fund_followed(instance.fund_id):
        transaction.on_commit(alerts_enqueue)


@receiver(run_finished, dispatch_uid="sources-alerts-after-run")
def alerts_after_run(sender, run, **kwargs) -> None:
    if run.status == AllocationRun.Status.SUCCEEDED and _fund_followed(run.fund_id):
        transaction.on_commit(alerts_enqueue)


def _fund_followed(fund_id: int) -> bool:
    return Subscription.objects.filter(kind=Subscription.Kind.FUND, fund_id=fund_id).exists()


def alerts_enqueue() -> None:
    try:
        tasks.alerts_send_task.apply_async(retry=False)
    except Exception:
        # The save or import stands; the hourly job sends what this could not.
        logger.warning("Broker unreachable; alerts wait for the hourly job", exc_info=True)
