"""Data migrations, run as `migrate` runs them: from the schema before, on rows written then."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import JSONField, Value

# Migrating back and forth changes the schema, which a rolled-back test cannot undo.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("funding", "0011_fund_status_step_history")
AFTER = ("funding", "0012_run_published_pence")
YEARS_LISTED = ("funding", "0013_fund_financial_years_a_list")
JSON_SHAPED = ("funding", "0014_json_columns_shaped")


def _migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture(autouse=True)
def latest_schema_afterwards():
    """The tests that follow, in this process, find every migration applied."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _fund_stored(apps, slug: str, financial_years):
    """A fund as a shell or raw SQL could store it before 0013, its years whatever JSON."""
    Fund = apps.get_model("funding", "Fund")
    Fund.objects.create(
        slug=slug,
        name=slug,
        announced_by="dh",
        announced_on=dt.date(2013, 9, 10),
        total_pence=1_000_00,
        purpose="A fund from before the migration",
        money_kind="new",
        route="direct_to_trusts",
    )
    Fund.objects.filter(slug=slug).update(financial_years=financial_years)
    return Fund.objects.get(slug=slug)


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


def test_0013_lists_years_stored_as_one_string_and_refuses_a_string_afterwards():
    apps = _migrate(AFTER)
    _fund_stored(apps, "one-string", "2013-14")
    _fund_stored(apps, "json-null", Value(None, JSONField()))
    _fund_stored(apps, "listed", ["2013-14", "2014-15"])

    Fund = _migrate(YEARS_LISTED).get_model("funding", "Fund")

    assert dict(Fund.objects.values_list("slug", "financial_years")) == {
        "one-string": ["2013-14"],
        "json-null": [],
        "listed": ["2013-14", "2014-15"],
    }
    with pytest.raises(IntegrityError, match="fund_financial_years_a_list"), transaction.atomic():
        Fund.objects.filter(slug="listed").update(financial_years="2013-14")


def test_0013_stops_at_years_it_cannot_read_naming_the_fund_and_changes_nothing_until_corrected():
    apps = _migrate(AFTER)
    _fund_stored(apps, "one-string", "2013-14")
    _fund_stored(apps, "an-object", {"from": "2013-14"})

    with pytest.raises(ValueError, match=r"an-object: \{'from': '2013-14'\}"):
        _migrate(YEARS_LISTED)

    Fund = _migrate(AFTER).get_model("funding", "Fund")
    assert dict(Fund.objects.values_list("slug", "financial_years")) == {
        "one-string": "2013-14",
        "an-object": {"from": "2013-14"},
    }
    # Corrected as the message asks, the migration goes through.
    Fund.objects.filter(slug="an-object").update(financial_years=["2013-14"])
    Fund = _migrate(YEARS_LISTED).get_model("funding", "Fund")
    assert dict(Fund.objects.values_list("slug", "financial_years")) == {
        "one-string": ["2013-14"],
        "an-object": ["2013-14"],
    }


def test_0014_empties_json_null_and_stops_at_parameters_that_are_a_list_until_corrected():
    apps = _migrate(YEARS_LISTED)
    Rule = apps.get_model("funding", "AllocationRule")
    emptied = Rule.objects.create(fund=_fund_stored(apps, "null", ["2013-14"]), kind="fixed")
    listed = Rule.objects.create(fund=_fund_stored(apps, "listed", ["2013-14"]), kind="worst_n")
    Rule.objects.filter(pk=emptied.pk).update(parameters=Value(None, JSONField()))
    Rule.objects.filter(pk=listed.pk).update(parameters=["n", 50])

    with pytest.raises(ValueError, match=rf"AllocationRule {listed.pk}: parameters is \['n', 50\]"):
        _migrate(JSON_SHAPED)

    Rule = _migrate(YEARS_LISTED).get_model("funding", "AllocationRule")
    assert Rule.objects.get(pk=emptied.pk).parameters is None  # nothing was written
    Rule.objects.filter(pk=listed.pk).update(parameters={"n": 50})
    Rule = _migrate(JSON_SHAPED).get_model("funding", "AllocationRule")
    assert dict(Rule.objects.values_list("pk", "parameters")) == {
        emptied.pk: {},
        listed.pk: {"n": 50},
    }


def test_0016_ends_the_current_runs_of_funds_withdrawn_before_it():
    apps = _migrate(("funding", "0015_date_certainty_label"))
    AllocationRun = apps.get_model("funding", "AllocationRun")
    withdrawn = _fund_stored(apps, "withdrawn-on-its-page", ["2013-14"])
    standing = _fund_stored(apps, "still-standing", ["2013-14"])
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    for fund in (withdrawn, standing):
        AllocationRun.objects.create(
            fund_id=fund.pk,
            status="succeeded",
            is_current=True,
            total_pence=0,
            published_pence=0,
            recipient_count=0,
        )

    apps = _migrate(("funding", "0016_withdrawn_funds_have_no_current_run"))

    current = apps.get_model("funding", "AllocationRun").objects.filter(is_current=True)
    assert list(current.values_list("fund__slug", flat=True)) == ["still-standing"]
