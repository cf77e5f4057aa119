from django.conf import settings
from django.db import migrations, models

from lib.expressions import JSONType, json_type_is

# (model, column, the JSON type its readers take it as, what stands in for JSON null)
SHAPED = (
    ("AllocationRule", "parameters", "object", {}),
    ("Scenario", "parameters", "object", {}),
    ("AllocationRun", "notes", "array", []),
    ("Allocation", "details", "object", {}),
)


def json_columns_shaped(apps, schema_editor):
    """JSON null (only a shell or raw SQL could store it) becomes an empty list or object, so
    that the constraints can be added; any other JSON of the wrong type stops the migration,
    naming the rows."""
    wrong = []
    for model_name, column, json_type, empty in SHAPED:
        model = apps.get_model("funding", model_name)
        shaped = model.objects.annotate(stored=JSONType(column))
        shaped.filter(stored="null").update(**{column: empty})
        for pk, value in shaped.exclude(stored=json_type).values_list("pk", column)[:20]:
            wrong.append(f"{model_name} {pk}: {column} is {value!r}")
    if wrong:
        raise ValueError(
            "These JSON columns must hold a list or named values; correct the rows and "
            f"migrate again: {'; '.join(wrong)}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0013_fund_financial_years_a_list"),
        ("trusts", "0007_ae_summaries"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(json_columns_shaped, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="allocation",
            constraint=models.CheckConstraint(
                condition=json_type_is("details", "object"),
                name="allocation_details_an_object",
                violation_error_message=(
                    "An allocation's details must be named values (a JSON object)."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="allocationrule",
            constraint=models.CheckConstraint(
                condition=json_type_is("parameters", "object"),
                name="rule_parameters_an_object",
                violation_error_message="A rule's parameters must be named values (a JSON object).",
            ),
        ),
        migrations.AddConstraint(
            model_name="allocationrun",
            constraint=models.CheckConstraint(
                condition=json_type_is("notes", "array"),
                name="run_notes_a_list",
                violation_error_message="A run's notes must be a list of sentences.",
            ),
        ),
        migrations.AddConstraint(
            model_name="scenario",
            constraint=models.CheckConstraint(
                condition=json_type_is("parameters", "object"),
                name="scenario_parameters_an_object",
                violation_error_message=(
                    "A scenario's parameters must be named values (a JSON object)."
                ),
            ),
        ),
    ]
