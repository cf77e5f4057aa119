"""API lists answered from plain values (api/rows.py) and rendered by orjson read exactly as
the serializer and DRF's JSON renderer would have written them."""

import json

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from api import serializers
from api.renderers import FastJSONRenderer
from api.views import AllocationViewSet
from datacache.versions import data_changed
from funding.models import Allocation
from tests.api.conftest import computed_fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund():
    return computed_fund("values-fund", {"ZV1": 400_01, "ZV2": 299_99, "ZV3": 0})


def serialized(queryset) -> list[dict]:
    request = APIRequestFactory().get("/api/v1/allocations/")
    return [
        serializers.AllocationSerializer(allocation, context={"request": request}).data
        for allocation in queryset
    ]


def test_the_allocation_list_is_what_the_serializer_gives(client, fund):
    response = client.get("/api/v1/allocations/?fund=values-fund&page_size=1000")

    assert response.status_code == 200
    listed = Allocation.objects.filter(fund=fund).select_related(
        "fund", "run", "recipient", "intermediary", "tranche"
    )
    expected = serialized(listed.order_by("fund_id", "-amount_pence", "id"))
    assert len(expected) == 3
    assert response.json()["results"] == json.loads(JSONRenderer().render(expected))


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


def test_one_funds_list_reads_the_version_and_one_page(client, fund, django_assert_num_queries):
    client.get("/api/v1/allocations/")  # the data version exists
    data_changed()

    # The data version (the cache's key), then the page's rows with its count.
    with django_assert_num_queries(2):
        response = client.get("/api/v1/allocations/?fund=values-fund&page_size=1000")
    assert len(response.json()["results"]) == 3


def test_one_funds_csv_reads_the_version_once(client, fund, django_assert_max_num_queries):
    client.get("/api/v1/allocations/")
    data_changed()

    # The data version (the ETag's) and the rows (PostgreSQL's COPY is not counted): a stream
    # is never looked up in the cache.
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/allocations/csv/?fund=values-fund")
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1 + 3
