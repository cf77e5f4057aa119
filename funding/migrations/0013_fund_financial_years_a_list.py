from django.db import migrations, models
from django.db.models.lookups import Exact

from lib.expressions import JSONType


def financial_years_listed(apps, schema_editor):
    """Years stored as one string (only a shell or raw SQL could write them) become a list of
    that one year, and none stored as JSON null an empty list, so that the constraint can be
    added; anything else stops the migration, naming the fund and what it holds."""
    Fund = apps.get_model("funding", "Fund")
    unreadable = []
    for pk, slug, years in Fund.objects.values_list("pk", "slug", "financial_years"):
        if isinstance(years, list):
            continue
        if years is None or isinstance(years, str):
            Fund.objects.filter(pk=pk).update(financial_years=[years] if years else [])
        else:
            unreadable.append(f"{slug}: {years!r}")
    if unreadable:
        raise ValueError(
            'Financial years must be a list, such as ["2013-14"]; correct these funds and '
            f"migrate again: {'; '.join(unreadable)}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0012_run_published_pence"),
    ]

    operations = [
        migrations.RunPython(financial_years_listed, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="fund",
            constraint=models.CheckConstraint(
                condition=Exact(JSONType("financial_years"), "array"),
                name="fund_financial_years_a_list",
                violation_error_message='Financial years must be a list, such as ["2013-14"].',
            ),
        ),
    ]
