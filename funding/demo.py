"""Loads everything the demo shows: the shipped real data, the seed funds, their allocations."""

from collections.abc import Callable

from trusts.services import shipped_data_load

from . import selectors, services
from .models import AllocationRun, Fund
from .seed import demo_funds_seed


def demo_data_load(*, say: Callable[[str], None] = print) -> None:
    shipped_data_load(say=say)
    say("Seed announcements:")
    services.fund_admin_group_ensure()
    for fund in demo_funds_seed():
        say(f"  {fund.name}")
    say("Allocations:")
    for fund in Fund.objects.filter(rule__isnull=False).select_related("rule"):
        say(f"  {fund.slug}: {_allocations_bring_up_to_date(fund)}")


def _allocations_bring_up_to_date(fund: Fund) -> str:
    """Runs the fund's rule in this process, unless its current run already has these inputs."""
    current = fund.runs.filter(is_current=True).first()
    if current and current.inputs_fingerprint == selectors.inputs_fingerprint(fund=fund):
        return f"up to date (run {current.pk})"
    run = services.allocation_run_start(
        run=AllocationRun.objects.create(fund=fund, triggered_by="load_demo")
    )
    if run.status == AllocationRun.Status.FAILED:
        return f"FAILED: {run.error}"
    return f"{run.status}, {run.recipient_count} recipients, £{run.total_pence / 100:,.2f}"
