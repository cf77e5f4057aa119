"""The REST API over the demo funds and the real data."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken

from funding import services
from funding.models import AllocationRun
from funding.seed import demo_funds_seed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]


@pytest.fixture
def computed():
    demo_funds_seed()
    for slug in (
        "ae-winter-2013-14",
        "ae-winter-second-wave-2013-14",
        "emerging-ccgs-winter-2011-12",
    ):
        from funding.models import Fund

        services.allocation_run_start(
            run=AllocationRun.objects.create(fund=Fund.objects.get(slug=slug), triggered_by="test")
        )


def test_funds_show_money_as_decimal_strings_in_pounds(client, computed):
    response = client.get("/api/v1/funds/ae-winter-2013-14/")
    assert response.status_code == 200
    fund = response.json()
    assert fund["total"] == "250000000.00"
    assert fund["modelled"] == "221000000.00"
    assert fund["published"] == "19800000.00"  # Barts £12.8m + BHRUT £7m
    assert fund["rule"]["kind"] == "worst_n"
    assert [t["amount"] for t in fund["tranches"]] == ["15000000.00", "221000000.00", "14000000.00"]


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


def test_allocations_default_to_current_runs_and_filter_by_recipient_list(client, computed):
    from funding.models import Fund

    fund = Fund.objects.get(slug="ae-winter-2013-14")
    first = fund.runs.get(is_current=True)
    # A recompute after the rule changes: 50 trusts now share the £221m, not 53.
    fewer = {"n": 50, "quotas": {"foundation_trust": 18, "nhs_trust": 32}}
    services.rule_save(fund=fund, kind="worst_n", parameters={**fund.rule.parameters, **fewer})
    second = services.allocation_run_start(
        run=AllocationRun.objects.create(fund=fund, triggered_by="second")
    )
    assert (second.status, second.is_current) == ("succeeded", True)
    assert rows_of(first) != rows_of(second) and len(rows_of(second)) == 52  # 50 + 2 published

    assert api_rows(client, "fund=ae-winter-2013-14") == rows_of(second)
    assert api_rows(client, f"fund=ae-winter-2013-14&run={first.pk}") == rows_of(first)
    chosen = ["R1H", "RF4", "RV8"]  # two published, and the worst trust of the winter
    assert api_rows(client, f"fund=ae-winter-2013-14&recipient={','.join(chosen)}") == rows_of(
        second, chosen
    )
    assert {code for code, _, _ in rows_of(second, chosen)} == set(chosen)


def test_allocations_filter_by_financial_year_and_region(client, computed):
    from funding.models import Allocation, Fund

    current = Fund.objects.filter(runs__is_current=True).distinct()
    by_year = {}
    for year in ("2011-12", "2013-14", "2015-16"):
        body = client.get(f"/api/v1/allocations/?financial_year={year}&page_size=1000").json()
        assert body["next"] is None
        by_year[year] = {row["fund"] for row in body["results"]}
    assert by_year == {
        year: {fund.slug for fund in current if year in fund.financial_years} for year in by_year
    }
    assert by_year["2011-12"] and by_year["2013-14"] and not by_year["2015-16"]
    london = client.get("/api/v1/allocations/?region=London&page_size=1000").json()["results"]
    assert (
        {(r["fund"], r["recipient"]["ods_code"], r["basis"]) for r in london}
        == set(
            Allocation.objects.filter(run__is_current=True, recipient__region="London").values_list(
                "fund__slug", "recipient__ods_code", "basis"
            )
        )
        != set()
    )


def test_allocations_stream_as_csv_with_the_json_columns(client, computed):
    response = client.get("/api/v1/allocations/?fund=emerging-ccgs-winter-2011-12&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="allocations.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 209  # every row, not one page
    assert sum(int(r["amount"].replace(".", "")) for r in rows) == 100_000_000_00
    assert "recipient.ods_code" in rows[0]


def test_the_allocation_csv_has_exactly_the_json_rows(client, computed):
    from lib.csv_output import cell, flatten

    query = "fund=ae-winter-2013-14&page_size=1000"
    json_rows = [
        flatten(row) for row in client.get(f"/api/v1/allocations/?{query}").json()["results"]
    ]
    response = client.get(f"/api/v1/allocations/?{query}&format=csv")
    csv_rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert list(csv_rows[0]) == list(json_rows[0])
    assert csv_rows == [{k: cell(v) for k, v in row.items()} for row in json_rows]
    assert any(r["intermediary"] == "" for r in csv_rows)  # nulls are empty cells


def test_a_bad_filter_is_a_400_naming_the_field(client):
    response = client.get("/api/v1/allocations/?basis=guessed")
    assert response.status_code == 400
    assert "basis" in response.json()


def test_the_league_lists_the_worst_with_the_funds_they_received(client, computed):
    response = client.get(
        "/api/v1/performance/league/?from=2013-01-01&to=2013-03-31&type=1&limit=3"
    )
    body = response.json()
    assert body["standard_percentage"] == "95.00"
    first = body["results"][0]
    assert (first["rank"], first["ods_code"], first["percentage"]) == (1, "RV8", "75.55")
    assert first["funds"] == ["ae-winter-2013-14"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2013-13-01&to=2013-03-31", "from"),
        ("from=2013-03-31&to=2013-01-01", "to"),
        ("from=2013-01-01&to=2013-03-31&type=9", "type"),
        ("to=2013-03-31", "from"),
    ],
)
def test_the_league_explains_bad_queries(client, query, field):
    response = client.get(f"/api/v1/performance/league/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_an_organisation_shows_its_history(client):
    body = client.get("/api/v1/organisations/RD7/").json()
    assert body["closed_on"] == "2014-09-30"
    assert body["successors"] == [
        {"ods_code": "RDU", "effective_on": "2014-10-01", "kind": "acquisition"}
    ]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [(None, 403), ("analyst", 403), ("outsider", 403), ("fund_admin", 202), ("superuser", 202)],
)
def test_only_fund_admins_can_recompute(client, request, computed, persona, expected):
    if persona:
        user = request.getfixturevalue(persona)
        if persona == "fund_admin":
            services.fund_admin_group_ensure().user_set.add(user)
        client.force_login(user)
    response = client.post("/api/v1/funds/ae-winter-2013-14/recompute/")
    assert response.status_code == expected
    if expected == 202:
        assert response["Location"].endswith(f"/api/v1/runs/{response.json()['id']}/")


def test_a_token_works_for_a_fund_admin(client, fund_admin, computed):
    services.fund_admin_group_ensure().user_set.add(fund_admin)
    token = AuthToken.objects.create(user=fund_admin)[1]
    response = client.post(
        "/api/v1/funds/ae-winter-2013-14/recompute/", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 202


def test_a_repeated_get_answers_304_with_the_etag(client, computed):
    first = client.get("/api/v1/funds/")
    again = client.get("/api/v1/funds/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("size", [20, 200])
def test_list_queries_do_not_grow_with_the_page_size(
    client, computed, size, django_assert_max_num_queries
):
    from django.core.cache import caches

    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/v1/allocations/?page_size=5").json()["results"]) == 5
    caches["data"].clear()  # both pages computed afresh, neither served from the data cache
    assert len(small) > 0
    with django_assert_max_num_queries(len(small)):
        page = client.get(f"/api/v1/allocations/?page_size={size}").json()
    assert len(page["results"]) == size


def test_the_schema_and_docs_are_served_without_a_cdn(client):
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
