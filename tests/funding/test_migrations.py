"""Data migrations, run as `migrate` runs them: from the schema before, on rows written then."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Migrating back and forth changes the schema, which a rolled-back test cannot undo.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("funding", "0011_fund_status_step_history")
AFTER = ("funding", "0012_run_published_pence")


def _migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


def test_0012_records_what_each_succeeded_run_wrote():
    apps = _migrate(BEFORE)
    Fund = apps.get_model("funding", "Fund")
    Run = apps.get_model("funding", "AllocationRun")
    Allocation = apps.get_model("funding", "Allocation")
    Organisation = apps.get_model("trusts", "Organisation")
    fund = Fund.objects.create(
        slug="migrated",
        name="Migrated",
        announced_by="dh",
        announced_on=dt.date(2013, 9, 10),
        total_pence=1_000_00,
        financial_years=["2013-14"],
        purpose="A fund from before the migration",
        money_kind="new",
        route="direct_to_trusts",
    )
    first, second = (
        Organisation.objects.create(ods_code=code, name=f"Trust {code}", kind="trust")
        for code in ("ZM1", "ZM2")
    )
    # A current run with its modelled total but nothing else recorded; an earlier run with
    # nothing recorded at all; and one that failed, which wrote nothing.
    current = Run.objects.create(
        fund=fund, status="succeeded", is_current=True, total_pence=300_00, triggered_by="t"
    )
    earlier = Run.objects.create(fund=fund, status="succeeded", triggered_by="t")
    failed = Run.objects.create(fund=fund, status="failed", triggered_by="t")
    for run, recipient, basis, pence in (
        (current, first, "modelled", 300_00),
        (current, first, "published", 250_00),
        (current, second, "published", 0),
        (earlier, second, "modelled", 99_00),
    ):
        Allocation.objects.create(
            run=run, fund=fund, recipient=recipient, basis=basis, amount_pence=pence, rationale="t"
        )

    Run = _migrate(AFTER).get_model("funding", "AllocationRun")

    def totals(run):
        run = Run.objects.get(pk=run.pk)
        return run.total_pence, run.published_pence, run.recipient_count

    assert totals(current) == (300_00, 250_00, 2)
    assert totals(earlier) == (99_00, 0, 1)
    assert totals(failed) == (None, None, None)
