"""/api/v1/allocations/: current rows by default, the filters, CSV, and constant queries."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.models import AllocationRun
from tests import factories

pytestmark = pytest.mark.django_db


def rows_of(run: AllocationRun, codes=None) -> set[tuple[str, str, str]]:
    allocations = run.allocations.all()
    if codes:
        allocations = allocations.filter(recipient__ods_code__in=codes)
    return {
        (a.recipient.ods_code, a.basis, f"{a.amount_pence / 100:.2f}")
        for a in allocations.select_related("recipient")
    }


def api_rows(client, query: str) -> set[tuple[str, str, str]]:
    body = client.get(f"/api/v1/allocations/?{query}&page_size=1000").json()
    assert body["next"] is None, "one page holds them all"
    rows = [(r["recipient"]["ods_code"], r["basis"], r["amount"]) for r in body["results"]]
    assert len(rows) == len(set(rows)), "no recipient listed twice"
    return set(rows)


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_allocations_default_to_current_runs_and_filter_by_recipient_list(client):
    a, b, c = factories.trust(), factories.trust(), factories.trust()
    fund = factories.fixed_fund({a: 100_00, b: 250_00, c: 400_00})
    first = factories.run(fund)
    # A source revises b's amount and adds d: the recompute writes a new current run.
    d = factories.trust()
    fund.published_allocations.filter(recipient=b).update(amount_pence=300_00)
    factories.published(fund, {d: 50_00})
    second = factories.run(fund)
    assert (second.status, second.is_current) == ("succeeded", True)
    code = {org: org.ods_code for org in (a, b, c, d)}
    assert rows_of(first) == {
        (code[a], "published", "100.00"),
        (code[b], "published", "250.00"),
        (code[c], "published", "400.00"),
    }
    assert rows_of(second) == {
        (code[a], "published", "100.00"),
        (code[b], "published", "300.00"),
        (code[c], "published", "400.00"),
        (code[d], "published", "50.00"),
    }

    assert api_rows(client, f"fund={fund.slug}") == rows_of(second)
    assert api_rows(client, f"fund={fund.slug}&run={first.pk}") == rows_of(first)
    chosen = [code[b], code[d]]
    assert api_rows(client, f"fund={fund.slug}&recipient={','.join(chosen)}") == {
        (code[b], "published", "300.00"),
        (code[d], "published", "50.00"),
    }


def test_allocations_filter_by_financial_year_and_region(client):
    london, north = factories.trust(region="London"), factories.trust(region="North")
    early = factories.fixed_fund({london: 10_00, north: 20_00}, financial_years=["2011-12"])
    later = factories.fixed_fund({north: 30_00}, financial_years=["2013-14", "2014-15"])
    for fund in (early, later):
        factories.run(fund)

    by_year = {}
    for year in ("2011-12", "2013-14", "2014-15", "2015-16"):
        body = client.get(f"/api/v1/allocations/?financial_year={year}&page_size=1000").json()
        assert body["next"] is None
        by_year[year] = {row["fund"] for row in body["results"]}
    assert by_year == {
        "2011-12": {early.slug},
        "2013-14": {later.slug},
        "2014-15": {later.slug},
        "2015-16": set(),
    }
    in_london = client.get("/api/v1/allocations/?region=London&page_size=1000").json()["results"]
    assert [(r["fund"], r["recipient"]["ods_code"], r["amount"]) for r in in_london] == [
        (early.slug, london.ods_code, "10.00")
    ]


def test_allocations_stream_as_csv_with_the_json_columns(client):
    # One more recipient than a page holds: the CSV has every row, not one page.
    recipients = {factories.trust(): (i + 1) * 100 for i in range(101)}
    fund = factories.fixed_fund(recipients)
    factories.run(fund)
    response = client.get(f"/api/v1/allocations/?fund={fund.slug}&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="allocations.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert len(rows) == 101
    # £1 + £2 + ... + £101 = £5,151.
    assert sum(int(r["amount"].replace(".", "")) for r in rows) == 5_151_00
    assert "recipient.ods_code" in rows[0]


def test_the_allocation_csv_has_exactly_the_json_rows(client):
    from lib.csv_output import cell, flatten

    fund = factories.fixed_fund({factories.trust(): 12_34, factories.trust(): 5_00})
    factories.run(fund)
    query = f"fund={fund.slug}&page_size=1000"
    json_rows = [
        flatten(row) for row in client.get(f"/api/v1/allocations/?{query}").json()["results"]
    ]
    assert len(json_rows) == 2
    rows = csv_rows(client.get(f"/api/v1/allocations/?{query}&format=csv"))
    assert list(rows[0]) == list(json_rows[0])
    assert rows == [{k: cell(v) for k, v in row.items()} for row in json_rows]
    assert any(r["intermediary"] == "" for r in rows)  # nulls are empty cells


def test_a_bad_filter_is_a_400_naming_the_field(client):
    response = client.get("/api/v1/allocations/?basis=guessed")
    assert response.status_code == 400
    assert "basis" in response.json()


@pytest.mark.parametrize("size", [20, 200])
def test_list_queries_do_not_grow_with_the_page_size(client, size, django_assert_max_num_queries):
    from django.core.cache import caches

    # Rows with and without a tranche or an intermediary, from three funds, so that every
    # related row is read.
    recipients = [factories.ccg() for _ in range(120)]
    first = factories.fund()
    tranche = factories.tranche(first, 60 * 100_00)
    factories.published(first, {org: 100_00 for org in recipients[:60]}, tranche=tranche)
    factories.rule(first, "fixed")
    assert factories.run(first).status == "succeeded"
    second = factories.fixed_fund({org: 200_00 for org in recipients[60:]})
    assert factories.run(second).status == "succeeded"
    through_a_pct = factories.fund(route="via_pct_clusters")
    pct = factories.organisation("pct")
    factories.run_written(through_a_pct, {org: 300_00 for org in recipients[:100]}, pct)

    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/v1/allocations/?page_size=5").json()["results"]) == 5
    caches["data"].clear()  # both pages computed afresh, neither served from the data cache
    assert len(small) > 0
    with django_assert_max_num_queries(len(small)):
        page = client.get(f"/api/v1/allocations/?page_size={size}").json()
    assert len(page["results"]) == size
