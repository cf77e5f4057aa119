"""lib.expressions on whichever database the session runs."""

import pytest
from django.db.models import JSONField, Value

from funding.models import Fund
from lib.expressions import JSONType
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "kind"),
    [(["2013-14"], "array"), ([], "array"), ({"from": "2013-14"}, "object")],
)
def test_json_type_names_arrays_and_objects_alike_on_both_databases(value, kind):
    fund = factories.fund()
    named = Fund.objects.filter(pk=fund.pk).annotate(kind=JSONType(Value(value, JSONField())))
    assert named.values_list("kind", flat=True).get() == kind


def test_json_type_reads_a_column():
    fund = factories.fund(financial_years=["2013-14", "2014-15"])
    named = Fund.objects.filter(pk=fund.pk).annotate(kind=JSONType("financial_years"))
    assert named.values_list("kind", flat=True).get() == "array"
