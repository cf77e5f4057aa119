"""Paged lists: a count and links on every page, and no COUNT(*) for a page that is the last."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.api.conftest import computed_fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund():
    return computed_fund("paged-fund", {"ZQ1": 300_00, "ZQ2": 200_00, "ZQ3": 100_00})


def listed(client, query: str) -> tuple[int, dict, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/allocations/?fund=paged-fund&{query}")
    counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]
    return response.status_code, response.json(), counts


def test_a_list_that_fits_in_one_page_is_counted_from_its_rows(client, fund):
    status, body, counts = listed(client, "page_size=1000")

    assert status == 200
    assert (body["count"], body["next"], body["previous"], len(body["results"])) == (
        3,
        None,
        None,
        3,
    )
    assert counts == []


def test_a_full_page_is_counted_and_the_last_page_is_not(client, fund):
    status, first, first_counts = listed(client, "page_size=2")
    status_last, last, last_counts = listed(client, "page_size=2&page=2")

    assert (status, status_last) == (200, 200)
    assert (first["count"], len(first["results"]), first["next"] is not None) == (3, 2, True)
    assert (last["count"], len(last["results"]), last["next"]) == (3, 1, None)
    assert last["previous"] is not None
    assert len(first_counts) == 1 and last_counts == []
    codes = {row["recipient"]["ods_code"] for row in first["results"] + last["results"]}
    assert codes == {"ZQ1", "ZQ2", "ZQ3"}


@pytest.mark.parametrize("page", ["2", "3", "0", "last2", "1.5", "10363840199583741247488"])
def test_a_page_that_is_not_there_is_a_400_naming_the_page(client, fund, page):
    # Three rows in pages of three: page 2 is past the last, as is 3, and a page whose first row
    # no database could number (the schema fuzz found it a 500).
    status, body, _ = listed(client, f"page_size=3&page={page}")

    assert status == 400
    assert "page" in body


def test_the_last_page_can_be_asked_for_by_name(client, fund):
    status, body, _ = listed(client, "page_size=2&page=last")

    assert status == 200
    assert (body["count"], len(body["results"]), body["next"]) == (3, 1, None)


def test_an_empty_list_is_one_empty_page(client, fund):
    status, body, counts = listed(client, "basis=modelled&page_size=5")

    assert status == 200
    assert body == {"count": 0, "next": None, "previous": None, "results": []}
    assert counts == []


def test_a_list_of_model_rows_is_paged_alike(client):
    for number in range(5):
        factories.trust(f"ZT{number}")

    # Only these five: the national data may be in the test database too.
    first = client.get("/api/v1/organisations/?page_size=3&code=ZT0,ZT1,ZT2,ZT3,ZT4").json()
    last = client.get(first["next"]).json()

    assert (first["count"], len(first["results"]), last["count"], len(last["results"])) == (
        5,
        3,
        5,
        2,
    )
    assert last["next"] is None
