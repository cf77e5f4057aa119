"""API lists answered from plain values (api/rows.py) and rendered by orjson read exactly as
the serializer and DRF's JSON renderer would have written them."""

import datetime as dt
import json

import pytest
from django.core.cache import caches
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from api import serializers
from api.renderers import FastJSONRenderer
from api.rows import json_in_sql
from api.views import AllocationViewSet, FundViewSet, RunViewSet
from datacache.versions import data_changed
from funding import selectors as funding_selectors
from funding.models import Allocation, AllocationRun, Fund, Scenario
from tests import factories
from tests.api.conftest import computed_fund
from tests.conftest import cache_clear, service_missing

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund():
    return computed_fund("values-fund", {"ZV1": 400_01, "ZV2": 299_99, "ZV3": 0})


def serialized(queryset, serializer=serializers.AllocationSerializer) -> list[dict]:
    request = APIRequestFactory().get("/api/v1/")
    return [serializer(row, context={"request": request}).data for row in queryset]


def rendered(data: list[dict]) -> list[dict]:
    """The serializer's data as DRF's JSON renderer writes it, read back."""
    return json.loads(JSONRenderer().render(data))


def test_the_allocation_list_is_what_the_serializer_gives(client, fund):
    response = client.get("/api/v1/allocations/?fund=values-fund&page_size=1000")

    assert response.status_code == 200
    listed = Allocation.objects.filter(fund=fund).select_related(
        "fund", "run", "recipient", "intermediary", "tranche"
    )
    expected = serialized(listed.order_by("fund_id", "-amount_pence", "id"))
    assert len(expected) == 3
    assert response.json()["results"] == rendered(expected)


def test_a_sync_by_cursor_still_pages_by_rows(client, fund):
    response = client.get("/api/v1/allocations/?updated_since=2000-01-01T00:00:00Z")

    assert response.status_code == 200
    assert {row["recipient"]["ods_code"] for row in response.json()["results"]} == {
        "ZV1",
        "ZV2",
        "ZV3",
    }


def test_orjson_writes_the_bytes_drf_writes(fund):
    data = serialized(Allocation.objects.filter(fund=fund))
    data.append({"line separators": "\u2028\u2029", "nothing": None, "pence": 12})

    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_the_list_declares_the_serializers_fields():
    fields = list(serializers.AllocationSerializer().fields)
    recipient = list(serializers.OrganisationSummarySerializer().fields)
    declared = [name.split(".")[0] for name in AllocationViewSet.list_columns]
    assert list(dict.fromkeys(declared)) == fields
    assert [n.split(".")[1] for n in AllocationViewSet.list_columns if "." in n] == recipient


def test_pages_count_the_rows_the_filters_match(client, fund):
    computed_fund("other-fund", {"ZV4": 100_00})

    first = client.get("/api/v1/allocations/?fund=values-fund&page_size=2").json()
    second = client.get(first["next"]).json()
    every = client.get("/api/v1/allocations/").json()

    assert first["count"] == second["count"] == 3
    assert (len(first["results"]), len(second["results"]), second["next"]) == (2, 1, None)
    codes = [row["recipient"]["ods_code"] for row in first["results"] + second["results"]]
    assert sorted(codes) == ["ZV1", "ZV2", "ZV3"]
    assert every["count"] == len(every["results"]) == 4


@pytest.fixture
def awkward_fund():
    """Names and rationales that JSON must escape, a tranche and an intermediary, so that
    every column of the list holds a value somewhere and null elsewhere."""
    fund = factories.fund(slug="awkward-fund")
    tranche = factories.tranche(fund, 300_00, name='Tranche "A" \\ 1')
    names = ['Quote " and \\ back', "Tab\tnew\nline\x01\x1f", "Line\u2028sep\u2029é ✓", "=SUM(A1)"]
    recipients = [factories.trust(name=name) for name in names]
    run = factories.run_written(fund, {org: 300_00 for org in recipients[1:]}, factories.ccg())
    Allocation.objects.create(
        run=run,
        fund=fund,
        recipient=recipients[0],
        tranche=tranche,
        basis=Allocation.Basis.PUBLISHED,
        amount_pence=7_01,
        rank=1,
        rationale='Says "why" \\ \x02\u2028',
    )
    return fund


def test_postgresql_writes_the_list_as_python_would(client, awkward_fund, monkeypatch):
    if connection.vendor != "postgresql":
        service_missing("the list's JSON is written by the database on PostgreSQL only")
    url = "/api/v1/allocations/?fund=awkward-fund&page_size=1000"
    written_in_sql = client.get(url)
    cache_clear(caches["data"])
    monkeypatch.setattr("api.rows.json_in_sql", lambda model, columns: False)
    written_in_python = client.get(url)

    assert written_in_sql.status_code == written_in_python.status_code == 200
    assert len(written_in_sql.json()["results"]) > 3
    assert written_in_sql.content == written_in_python.content
    indented = client.get(url, HTTP_ACCEPT="application/json; indent=2")
    assert indented.json() == written_in_sql.json()


def test_a_cached_list_is_the_list_computed(client, awkward_fund):
    url = "/api/v1/allocations/?fund=awkward-fund&page_size=2&page=2"
    computed = client.get(url)
    served = client.get(url)

    assert computed.status_code == served.status_code == 200
    assert served.content == computed.content


def test_one_funds_list_reads_the_version_and_one_page(client, fund, django_assert_num_queries):
    client.get("/api/v1/allocations/")  # the data version exists
    data_changed()

    # The data version (the cache's key), the ids of the fund and its waves by the slug (none:
    # no fund has it, refused; given as values, the page's query is planned without the funds
    # table: 8 ms of planning less on PostgreSQL), then the page's rows with its count.
    with django_assert_num_queries(3):
        response = client.get("/api/v1/allocations/?fund=values-fund&page_size=1000")
    assert len(response.json()["results"]) == 3


def test_one_funds_csv_reads_the_version_once(client, fund, django_assert_max_num_queries):
    client.get("/api/v1/allocations/")
    data_changed()

    # The data version (the ETag's), the ids of the fund and its waves, and the rows
    # (PostgreSQL's COPY is not counted): a stream is never looked up in the cache.
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/allocations/csv/?fund=values-fund")
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1 + 3


@pytest.fixture
def runs():
    """A run in each state: pending (nothing finished, no total), succeeded, and failed with
    an error that JSON must escape; one finished at a whole second, one with microseconds."""
    fund = factories.fund(slug="runs-fund")
    succeeded = factories.run_written(fund, {factories.trust(): 123_45})
    AllocationRun.objects.filter(pk=succeeded.pk).update(
        finished_at=dt.datetime(2013, 11, 5, 9, 30, tzinfo=dt.UTC), rule_version=3
    )
    factories.run(fund, triggered_by='admin "bob" \\ 100%')
    AllocationRun.objects.create(
        fund=fund,
        triggered_by="worker",
        status=AllocationRun.Status.FAILED,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        error="Line\u2028sep\ttab {v} 'quoted'",
    )
    return AllocationRun.objects.filter(fund=fund)


def test_the_run_list_is_what_the_serializer_gives(client, runs):
    response = client.get("/api/v1/runs/?fund=runs-fund")

    assert response.status_code == 200
    expected = serialized(
        runs.select_related("fund").order_by("-requested_at", "-id"), serializers.RunSerializer
    )
    assert len(expected) == 3
    assert response.json()["results"] == rendered(expected)
    assert (
        response.json()["results"][0]["url"]
        == f"http://testserver/api/v1/runs/{expected[0]['id']}/"
    )


@pytest.mark.parametrize(("given", "current"), [("true", 1), ("false", 2), ("True", 1), ("0", 2)])
def test_the_run_list_filters_by_is_current(client, runs, given, current):
    runs.filter(status=AllocationRun.Status.SUCCEEDED).update(is_current=False)
    runs.filter(pk=runs.order_by("pk").first().pk).update(is_current=True)
    response = client.get(f"/api/v1/runs/?fund=runs-fund&is_current={given}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == current


def test_a_run_list_asked_for_is_current_neither_true_nor_false_is_refused(client, runs):
    """`is_current=maybe` listed every run, as if the filter had not been asked for."""
    response = client.get("/api/v1/runs/?fund=runs-fund&is_current=maybe")
    assert response.status_code == 400
    assert "true or false" in response.json()["is_current"][0]


def test_postgresql_writes_the_run_list_as_python_would(client, runs, monkeypatch, settings):
    if connection.vendor != "postgresql":
        service_missing("the list's JSON is written by the database on PostgreSQL only")
    settings.ALLOWED_HOSTS = ["api.example.org"]
    url = "/api/v1/runs/?fund=runs-fund"
    written_in_sql = client.get(url, HTTP_HOST="api.example.org")
    monkeypatch.setattr("api.rows.json_in_sql", lambda model, columns: False)
    written_in_python = client.get(url, HTTP_HOST="api.example.org")

    assert written_in_sql.status_code == written_in_python.status_code == 200
    assert written_in_sql.content == written_in_python.content
    assert written_in_sql.json()["results"][0]["url"].startswith("http://api.example.org/")


def test_the_run_list_declares_the_serializers_fields(rf):
    view = RunViewSet(request=rf.get("/api/v1/runs/"))
    assert list(view.get_list_columns()) == list(serializers.RunSerializer().fields)


@pytest.fixture
def funds():
    """A parent fund and its wave, a recipient of both; a fund following a named scenario;
    a fund with no run; and one withdrawn (listed nowhere)."""
    both, parent_only, wave_only = factories.trust(), factories.trust(), factories.trust()
    parent = factories.fund(slug="values-parent", financial_years=["2013-14", "2014-15"])
    wave = factories.fund(slug="values-wave", parent=parent, total_is_cap=True)
    factories.run_written(parent, {both: 100_01, parent_only: 0})
    factories.run_written(wave, {both: 50_00, wave_only: 25_00})
    modelled = factories.fund(
        slug="values-scenario", announced_on_certainty=Fund.DateCertainty.INFERRED
    )
    Scenario.objects.create(fund=modelled, name="Equal shares", kind="fixed", is_current=True)
    factories.fund(slug="values-no-run")
    factories.fund(slug="values-withdrawn", status=Fund.Status.WITHDRAWN)
    # A summer time: written in the site's time zone (+01:00), not as stored (UTC).
    Fund.objects.filter(slug="values-no-run").update(
        updated_at=dt.datetime(2013, 7, 1, 12, 30, 0, 5, tzinfo=dt.UTC)
    )


def test_the_fund_list_is_what_the_serializer_gives(client, funds):
    response = client.get("/api/v1/funds/?page_size=1000")

    assert response.status_code == 200
    expected = serialized(
        funding_selectors.funds_with_totals().select_related("parent"), serializers.FundSerializer
    )
    listed = response.json()["results"]
    assert listed == rendered(expected)
    by_slug = {row["slug"]: row for row in listed}
    assert "values-withdrawn" not in by_slug
    # The parent's totals are its own run's and its wave's; a recipient of both counts once.
    assert by_slug["values-parent"]["modelled"] == "175.01"
    assert by_slug["values-parent"]["recipient_count"] == 3
    assert (by_slug["values-wave"]["modelled"], by_slug["values-wave"]["parent"]) == (
        "75.00",
        "values-parent",
    )
    assert by_slug["values-scenario"]["current_scenario"] == "Equal shares"
    assert by_slug["values-no-run"]["recipient_count"] == 0


def test_the_fund_list_declares_the_serializers_fields():
    assert list(FundViewSet.list_columns) == list(serializers.FundSerializer().fields)


def test_a_current_run_must_record_its_totals():
    fund = factories.fund()
    with pytest.raises(IntegrityError, match="a_current_run_has_its_totals"):
        AllocationRun.objects.create(fund=fund, status="succeeded", is_current=True)


def test_a_list_with_an_annotated_column_is_written_in_python():
    """The funds list's totals are annotations, not fields: PostgreSQL is not asked to write
    JSON for a column whose type the model does not say."""
    if connection.vendor != "postgresql":
        service_missing("the list's JSON is written by the database on PostgreSQL only")
    assert json_in_sql(Fund, {"slug": "slug"})
    assert not json_in_sql(Fund, {"slug": "slug", "modelled": "modelled_pence"})


def list_statement(queries) -> str:
    (statement,) = [q["sql"] for q in queries if '"funding_allocation"."rationale"' in q["sql"]]
    return statement


def test_a_rows_tranche_and_intermediary_are_read_without_outer_joins(client, awkward_fund):
    """Outer joins are planned in every order they might take: two of them were 1.6 of the
    2.1 ms PostgreSQL spent planning a 1,000-row page; a subquery a column is planned once."""
    with CaptureQueriesContext(connection) as queries:
        listed = client.get("/api/v1/allocations/?fund=awkward-fund&page_size=1000").json()
    statement = list_statement(queries)
    assert "LEFT OUTER JOIN" not in statement
    # Nor ordered by their models' default order, which joined each tranche to its fund.
    assert statement.count("ORDER BY") == 1
    tranches = {row["tranche"] for row in listed["results"]}
    intermediaries = {row["intermediary"] for row in listed["results"]}
    assert tranches == {'Tranche "A" \\ 1', None}
    assert len(intermediaries) == 2 and None in intermediaries
