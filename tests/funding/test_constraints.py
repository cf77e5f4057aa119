"""What the database itself refuses, whoever writes: a shell, raw SQL or a data migration, as
well as the admin, the API and the seed files, which check before they write."""

import pytest
from django.db import IntegrityError, models, transaction

from funding.models import Fund
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value",
    ["2013-14", {"year": "2013-14"}, 2013, models.Value(None, models.JSONField())],
    ids=["text", "object", "number", "json-null"],
)
def test_financial_years_that_are_not_a_list_are_refused(value):
    """A fund whose years were one string broke every other fund's page: each character was
    read as a year ("year 0 is out of range")."""
    fund = factories.fund(financial_years=["2013-14", "2014-15"])
    with pytest.raises(IntegrityError, match="fund_financial_years_a_list"), transaction.atomic():
        Fund.objects.filter(pk=fund.pk).update(financial_years=value)
    fund.refresh_from_db()
    assert fund.financial_years == ["2013-14", "2014-15"]


def test_no_financial_years_is_an_empty_list():
    fund = factories.fund(financial_years=[])
    Fund.objects.filter(pk=fund.pk).update(financial_years=[])
    fund.refresh_from_db()
    assert fund.financial_years == []
