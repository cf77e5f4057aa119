"""The league and performance lists chosen by region, as the pages choose them; a region no
organisation is in is a 400 naming it, not an empty list or every trust in England."""

import datetime as dt

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

# Months no real figures reach, so the national data, if imported, is not among them.
WINDOW = "from=2031-01-01&to=2031-01-31&type=1"


@pytest.fixture
def two_regions():
    london = factories.trust("ZL1", region="London")
    north = factories.trust("ZN1", region="North of England")
    factories.ae_months({(london, dt.date(2031, 1, 1)): (1_000, 300)})
    factories.ae_months({(north, dt.date(2031, 1, 1)): (1_000, 100)})


def test_the_league_of_a_region_ranks_its_trusts_alone(client, two_regions):
    body = client.get(f"/api/v1/performance/league/?{WINDOW}&region=London").json()
    assert [row["ods_code"] for row in body["results"]] == ["ZL1"]
    assert body["count"] == 1
    url = f"/api/v1/performance/league/?{WINDOW}&region=London&format=csv"
    csv = client.get(url).content.decode()
    assert "ZL1" in csv and "ZN1" not in csv


@pytest.mark.parametrize("path", ["performance/league/", "performance/"])
def test_a_region_no_organisation_is_in_is_refused_by_name(client, two_regions, path):
    response = client.get(f"/api/v1/{path}?{WINDOW}&region=Narnia")
    assert response.status_code == 400
    assert "Narnia" in response.json()["region"][0]
