"""CSV downloads as HTTP clients meet them: revalidated with an ETag, compressed with gzip, and
described column by column in datapackage.json."""

import csv
import datetime as dt
import gzip
import io
from decimal import Decimal

import pytest

from api.views import AllocationViewSet
from funding import services
from funding.models import AllocationRun
from tests import factories
from tests.api.conftest import published_fund

pytestmark = pytest.mark.django_db

URL = "/api/v1/allocations/csv/?fund=csv-fund"


@pytest.fixture
def fund():
    fund = published_fund("csv-fund", {"ZC1": 400_01, "ZC2": 299_99})
    services.allocation_run_start(run=AllocationRun.objects.create(fund=fund, triggered_by="t"))
    return fund


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_csv_answers_304_until_the_data_changes(client, fund):
    first = client.get(URL)
    assert first.status_code == 200 and first["ETag"]
    again = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""

    services.allocation_run_start(run=AllocationRun.objects.create(fund=fund, triggered_by="t"))
    # A skipped run writes nothing; a change of amount does.
    fund.published_allocations.filter(recipient__ods_code="ZC1").update(amount_pence=1_00)
    services.allocation_run_start(run=AllocationRun.objects.create(fund=fund, triggered_by="t"))
    changed = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert b",1.00," in body(changed)


def test_the_etag_names_the_query(client, fund):
    assert client.get(URL)["ETag"] != client.get(URL + "&basis=published")["ETag"]


def test_a_csv_is_gzipped_for_clients_that_accept_it(client, fund):
    plain = body(client.get(URL))
    zipped = client.get(URL, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(body(zipped)) == plain
    # Revalidating the compressed copy works the same way.
    again = client.get(URL, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"])
    assert again.status_code == 304


def test_json_pages_are_not_gzipped(client, fund):
    response = client.get("/api/v1/funds/", HTTP_ACCEPT_ENCODING="gzip")
    assert not response.has_header("Content-Encoding")


def test_the_datapackage_describes_each_csv_column_in_order(client, fund):
    package = client.get("/api/v1/datapackage.json").json()
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == {"organisations", "funds", "allocations", "spending"}
    for resource in resources.values():
        path = resource["path"].removeprefix("http://testserver")
        lines = body(client.get(path)).decode().splitlines()
        if lines:  # a CSV of no rows has no header to compare (the demo data has no spending)
            assert [f["name"] for f in resource["schema"]["fields"]] == lines[0].split(",")
    fields = {f["name"]: f for f in resources["allocations"]["schema"]["fields"]}
    assert fields["amount"]["type"] == "number"
    assert "Decimal" in fields["amount"]["description"]
    assert fields["id"]["type"] == "integer" and fields["changed_at"]["type"] == "datetime"
    assert fields["recipient.ods_code"]["type"] == "string"


def test_amounts_read_as_the_datapackage_says_keep_every_penny(client, fund):
    package = client.get("/api/v1/datapackage.json").json()
    allocations = next(r for r in package["resources"] if r["name"] == "allocations")
    money = [f["name"] for f in allocations["schema"]["fields"] if f["type"] == "number"]
    rows = csv.DictReader(io.StringIO(body(client.get(URL)).decode()))
    total = sum(Decimal(row[name]) for row in rows for name in money)
    assert total == Decimal("700.00")  # 400.01 + 299.99


def test_a_filter_no_row_can_meet_gives_the_header_alone(client, fund):
    # No fund covers that year: the query is known empty before it reaches the database.
    response = client.get("/api/v1/allocations/csv/?financial_year=1999-00")
    assert response.status_code == 200
    assert body(response).decode().splitlines() == [",".join(AllocationViewSet.csv_columns)]


@pytest.mark.parametrize("path", ["performance/league/", "performance/funnel/"])
def test_the_analysis_csvs_are_gzipped_for_clients_that_accept_it(client, path):
    """In months no real figures reach, so the national data, if imported, is not in them."""
    factories.ae_months(
        {
            (factories.trust(f"ZG{i:02d}"), dt.date(2031, 1, 1)): (1_000 + i, 50 + i)
            for i in range(30)
        }
    )
    url = f"/api/v1/{path}?from=2031-01-01&to=2031-01-31&type=1&format=csv"
    plain = client.get(url).content
    zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert len(plain) > 200
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain
    # Served again, from the cache: each client as it asks.
    assert gzip.decompress(client.get(url, HTTP_ACCEPT_ENCODING="gzip").content) == plain
    assert client.get(url).content == plain


def test_a_spending_reports_lines_are_a_json_array_in_their_cell(client):
    """They were Python dict text joined by ";", which a category or a note may hold too: no
    CSV reader could get the amounts by category back."""
    import json

    from funding.models import SpendingLine, SpendingReport

    report = SpendingReport.objects.create(
        fund=factories.fund("spent-csv"),
        recipient=factories.trust("ZC3"),
        period="2013-14",
        allocation_pence=100_00,
        source="t",
    )
    SpendingLine.objects.create(report=report, category="Beds; staff", amount_pence=50_00)
    SpendingLine.objects.create(report=report, category="Staff", amount_pence=30_00, note="x")

    [row] = csv.DictReader(io.StringIO(body(client.get("/api/v1/spending/csv/")).decode()))
    package = client.get("/api/v1/datapackage.json").json()
    spending = next(r for r in package["resources"] if r["name"] == "spending")
    lines_field = next(f for f in spending["schema"]["fields"] if f["name"] == "lines")

    assert [(line["category"], line["amount"]) for line in json.loads(row["lines"])] == [
        ("Beds; staff", "50.00"),
        ("Staff", "30.00"),
    ]
    assert "JSON" in lines_field["description"]


def test_a_csv_written_by_its_serializer_builds_the_serializers_fields_once(client, monkeypatch):
    """A serializer for each row built its fields again for each row: 85% of the organisations
    CSV's time (0.3 s for the 877 organisations the shipped data has)."""
    from api import serializers

    for number in range(5):
        factories.organisation(ods_code=f"ZS{number}", name=f"Trust {number}")
    serializer_class = serializers.OrganisationSerializer
    built = []
    original = serializer_class.get_fields
    monkeypatch.setattr(
        serializer_class, "get_fields", lambda self: built.append(1) or original(self)
    )

    rows = list(
        csv.DictReader(io.StringIO(body(client.get("/api/v1/organisations/csv/")).decode()))
    )

    # Other organisations too, where a test before this one imported the national data.
    ours = [row["ods_code"] for row in rows if row["ods_code"].startswith("ZS")]
    assert ours == [f"ZS{number}" for number in range(5)]
    assert len(built) == 1
