from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from trusts.signals import data_imported

from . import services
from .models import (
    Allocation,
    AllocationRule,
    Fund,
    FundSource,
    FundStatusChange,
    Scenario,
    Tranche,
    TrancheCondition,
)


@receiver(data_imported)
def recompute_funds_reading_imported_data(sender, results, **kwargs):
    categories = {result.category for result in results}
    names = ", ".join(r.file.rsplit("/", 1)[-1] for r in results)[:150]
    services.funds_reading_recompute(categories=categories, triggered_by=f"import of {names}")


# What the funds list and a fund's page show of it besides its own row: saved or deleted,
# each sends its fund again to a client syncing funds.
SHOWN_WITH_THE_FUND = (
    FundSource,
    FundStatusChange,
    Tranche,
    TrancheCondition,
    AllocationRule,
    Scenario,
)


def fund_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    fund_id = instance.tranche.fund_id if sender is TrancheCondition else instance.fund_id
    Fund.objects.filter(pk=fund_id).update(updated_at=timezone.now())


for shown in SHOWN_WITH_THE_FUND:
    post_save.connect(fund_changed, sender=shown, dispatch_uid=f"fund-changed-{shown.__name__}")
    post_delete.connect(fund_changed, sender=shown, dispatch_uid=f"fund-gone-{shown.__name__}")


@receiver(post_save, sender=Tranche, dispatch_uid="tranche-rows-changed")
def tranche_rows_changed(sender, instance, created, raw=False, **kwargs):
    """Each current row names its tranche: a tranche changed sends them again."""
    if not created and not raw:
        Allocation.objects.filter(tranche=instance, run__is_current=True).update(
            changed_at=timezone.now()
        )
