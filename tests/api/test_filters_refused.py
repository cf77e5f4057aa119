"""A filter value the API cannot mean is refused with a 400 naming the parameter and the value,
not answered with an empty list a client would take for "none"."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund():
    return factories.fund("zz-known-fund", financial_years=["2013-14"])


@pytest.mark.parametrize(
    "listing", ["allocations", "runs", "removed-allocations", "spending", "export/360giving"]
)
def test_a_fund_no_fund_has_is_refused_naming_it(client, fund, listing):
    response = client.get(f"/api/v1/{listing}/", {"fund": "zz-unknown-fund"})
    assert response.status_code == 400
    [message] = response.json()["fund"]
    assert "zz-unknown-fund" in message

    assert client.get(f"/api/v1/{listing}/", {"fund": fund.slug}).status_code == 200


@pytest.mark.parametrize("written", ["2013/14", "2013-15", "13-14", "2013"])
def test_a_financial_year_not_written_as_2013_14_is_refused(client, fund, written):
    response = client.get("/api/v1/allocations/", {"financial_year": written})
    assert response.status_code == 400
    [message] = response.json()["financial_year"]
    assert written in message and "2013-14" in message


def test_a_financial_year_written_as_2013_14_is_read(client, fund):
    response = client.get("/api/v1/allocations/", {"financial_year": "2013-14"})
    assert response.status_code == 200
