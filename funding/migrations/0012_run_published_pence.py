from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


def run_totals_record(apps, schema_editor):
    """Every succeeded run's published pence, and any total or count it lacks, from the rows
    it wrote: the funds list now reads them from the run."""
    AllocationRun = apps.get_model("funding", "AllocationRun")
    Allocation = apps.get_model("funding", "Allocation")

    def of_run(aggregate, **only):
        rows = Allocation.objects.filter(run=OuterRef("pk"), **only).order_by().values("run")
        return Coalesce(Subquery(rows.annotate(value=aggregate).values("value")), 0)

    AllocationRun.objects.filter(status="succeeded").update(
        published_pence=of_run(Sum("amount_pence"), basis="published"),
        total_pence=Coalesce("total_pence", of_run(Sum("amount_pence"), basis="modelled")),
        recipient_count=Coalesce("recipient_count", of_run(Count("recipient", distinct=True))),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0011_fund_status_step_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="allocationrun",
            name="published_pence",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(run_totals_record, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="allocationrun",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("is_current", False),
                    models.Q(
                        ("published_pence__gte", 0),
                        ("recipient_count__isnull", False),
                        ("total_pence__gte", 0),
                    ),
                    _connector="OR",
                ),
                name="a_current_run_has_its_totals",
                violation_error_message="A current run must record its totals.",
            ),
        ),
    ]
