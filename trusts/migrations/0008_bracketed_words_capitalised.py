import re

from django.db import migrations

# The importers' display names left a word after a bracket in small letters ("NHS Central
# London (westminster) CCG"). Importing the ODS file again mends the names it lists; the
# names an A&E importer gave the providers it met first are never read again, so they are
# mended here. England's own row is named by hand, not from capitals.
BRACKETED = re.compile(r"\(([^\W\d_])")


def bracketed_words_capitalise(apps, schema_editor):
    Organisation = apps.get_model("trusts", "Organisation")
    for organisation in Organisation.objects.exclude(kind="national").filter(
        name__regex=r"\([a-z]"
    ):
        organisation.name = BRACKETED.sub(lambda m: "(" + m.group(1).upper(), organisation.name)
        organisation.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("trusts", "0007_ae_summaries"),
    ]

    operations = [
        migrations.RunPython(bracketed_words_capitalise, migrations.RunPython.noop),
    ]
