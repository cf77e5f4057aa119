"""What the database itself refuses, whoever writes: a shell, raw SQL or a data migration, as
well as the admin, the API and the seed files, which check before they write."""

import pytest
from django.db import IntegrityError, models, transaction

from funding.models import Allocation, AllocationRule, AllocationRun, Fund, Scenario
from tests import factories

pytestmark = pytest.mark.django_db

JSON_NULL = models.Value(None, models.JSONField())


def _fund():
    return factories.fund(financial_years=["2013-14", "2014-15"])


def _rule():
    return factories.fixed_fund({factories.trust(): 100_00}).rule


def _scenario():
    return Scenario.objects.create(fund=factories.fund(), name="A", kind="fixed")


def _run():
    return factories.run(factories.fixed_fund({factories.trust(): 100_00}))


def _allocation():
    fund = factories.fund()
    return factories.run_written(fund, {factories.trust(): 100_00}).allocations.get()


# Each JSON column whose readers take it as a list or an object: pages read each fund's years
# (one string was read as a list of characters, and broke every other fund's page), a rule's
# parameters by name, a run's notes as sentences, an allocation's details by name.
SHAPED = {
    "fund years": (Fund, "financial_years", _fund, "fund_financial_years_a_list"),
    "rule parameters": (AllocationRule, "parameters", _rule, "rule_parameters_an_object"),
    "scenario parameters": (Scenario, "parameters", _scenario, "scenario_parameters_an_object"),
    "run notes": (AllocationRun, "notes", _run, "run_notes_a_list"),
    "allocation details": (Allocation, "details", _allocation, "allocation_details_an_object"),
}
NOT_A_LIST = ["2013-14", {"year": "2013-14"}, 2013, JSON_NULL]
NOT_AN_OBJECT = [["n", 50], "n=50", 50, JSON_NULL]


@pytest.mark.parametrize("column", sorted(SHAPED))
def test_a_json_column_read_as_a_list_or_an_object_refuses_any_other_json(column):
    model, field, made, constraint = SHAPED[column]
    row = made()
    stored = getattr(row, field)
    for value in NOT_A_LIST if isinstance(stored, list) else NOT_AN_OBJECT:
        with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
            model.objects.filter(pk=row.pk).update(**{field: value})
    row.refresh_from_db()
    assert getattr(row, field) == stored


@pytest.mark.parametrize("column", sorted(SHAPED))
def test_an_empty_list_or_object_is_allowed(column):
    model, field, made, _ = SHAPED[column]
    row = made()
    empty = type(getattr(row, field))()
    model.objects.filter(pk=row.pk).update(**{field: empty})
    row.refresh_from_db()
    assert getattr(row, field) == empty
