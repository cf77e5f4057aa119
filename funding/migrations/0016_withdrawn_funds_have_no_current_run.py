"""A fund withdrawn on its own admin page before 3 December 2026 kept its current run, so its
money stayed on organisation pages and in the allocations API: withdrawn as the list's action
withdraws (funding.services.fund_withdraw), no run of it stays current."""

from django.db import migrations


def current_runs_of_withdrawn_funds_ended(apps, schema_editor):
    AllocationRun = apps.get_model("funding", "AllocationRun")
    AllocationRun.objects.filter(fund__status="withdrawn", is_current=True).update(
        is_current=False
    )


class Migration(migrations.Migration):
    dependencies = [("funding", "0015_date_certainty_label")]

    operations = [
        migrations.RunPython(current_runs_of_withdrawn_funds_ended, migrations.RunPython.noop)
    ]
