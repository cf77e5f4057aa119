"""After each import and run, the worker computes the landing pages into the shared data cache
(dashboards.warming)."""

import logging

from django.db import transaction
from django.dispatch import receiver

from funding.signals import run_finished
from trusts.signals import data_imported

from . import tasks, warming

logger = logging.getLogger(__name__)


@receiver(data_imported, dispatch_uid="dashboards-warm-after-import")
def warm_after_import(sender, results, **kwargs) -> None:
    transaction.on_commit(warm_enqueue)


@receiver(run_finished, dispatch_uid="dashboards-warm-after-run")
def warm_after_run(sender, run, **kwargs) -> None:
    transaction.on_commit(warm_enqueue)


def warm_enqueue() -> None:
    if not warming.shared():
        return
    try:
        # A second more than the quiet it waits for: the data version may move just after the
        # send (an import's commit bumps it then), and clocks differ a little.
        tasks.landing_pages_warm_task.apply_async(countdown=warming.QUIET_SECONDS + 1, retry=False)
    except Exception:
        # The import or run stands; each landing page is computed by its first visitor.
        logger.warning("Broker unreachable; the landing pages are not warmed", exc_info=True)
