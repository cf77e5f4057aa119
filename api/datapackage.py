"""A Frictionless Data Package (datapackage.json) describing each CSV's columns and types, so
that a reader's tools (frictionless, or pandas told the dtypes) read money exactly."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from . import serializers

# Each CSV: its name, its list's URL name and the serializer whose fields are its columns.
CSVS = (
    ("organisations", "organisation", serializers.OrganisationSerializer),
    ("funds", "fund", serializers.FundSerializer),
    ("allocations", "allocation", serializers.AllocationSerializer),
    ("spending", "spending", serializers.SpendingReportSerializer),
)

MONEY = (
    "Pounds with two decimals. Read it as text and convert to Decimal to keep every penny "
    "(pandas: dtype={'%s': str}); a float cannot hold every amount exactly."
)

# Serializer field classes and their Frictionless types, most specific first.
TYPES = (
    (drf.BooleanField, "boolean"),
    (drf.IntegerField, "integer"),
    (drf.DateTimeField, "datetime"),
    (drf.DateField, "date"),
    (drf.DecimalField, "number"),
    (drf.FloatField, "number"),
)


def table_fields(serializer: drf.Serializer, prefix: str = "") -> list[dict]:
    """The CSV's columns as the CSV writer makes them: nested objects become dotted names,
    lists one cell joined by semicolons."""
    columns = []
    for name, field in serializer.fields.items():
        column = f"{prefix}{name}"
        if isinstance(field, drf.Serializer):
            columns += table_fields(field, f"{column}.")
            continue
        described = {"name": column}
        if isinstance(field, serializers.PoundsField):
            described |= {"type": "number", "description": MONEY % column}
        elif isinstance(field, drf.ListSerializer) and isinstance(field.child, drf.Serializer):
            names = ", ".join(field.child.fields)
            described |= {"type": "string", "description": f"a JSON array of objects ({names})"}
        elif isinstance(field, drf.ListSerializer | drf.ListField):
            described |= {"type": "string", "description": "several values joined by ';'"}
        elif isinstance(field, drf.PrimaryKeyRelatedField):
            described["type"] = "integer"
        else:
            described["type"] = next(
                (kind for cls, kind in TYPES if isinstance(field, cls)), "string"
            )
        if field.help_text and "description" in described:
            # After the type's own words, as a sentence of its own.
            text = str(field.help_text)
            described["description"] += f" {text[0].upper()}{text[1:]}."
        elif field.help_text:
            described["description"] = str(field.help_text)
        columns.append(described)
    return columns


class DataPackageView(APIView):
    """The CSVs described as a Frictionless Data Package."""

    renderer_classes = [JSONRenderer]

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description=(
            "A Frictionless Data Package: for each CSV, its URL and its columns with their "
            "types. Money columns are decimal pounds: read them as text, then as Decimal."
        ),
    )
    def get(self, request):
        return Response(
            {
                "name": "nhs-urgent-care-funding",
                "title": "NHS urgent-care funding tracker",
                "licenses": [{"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0"}],
                "resources": [
                    {
                        "name": name,
                        "path": reverse(f"api:{basename}-csv", request=request),
                        "format": "csv",
                        "mediatype": "text/csv",
                        "encoding": "utf-8",
                        "schema": {
                            "fields": table_fields(serializer()),
                            "missingValues": [""],
                        },
                    }
                    for name, basename, serializer in CSVS
                ],
            }
        )
