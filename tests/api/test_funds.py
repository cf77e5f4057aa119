"""/api/v1/funds/: a fund's money, tranches and rule, and conditional GETs."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_funds_show_money_as_decimal_strings_in_pounds(client, computed):
    response = client.get("/api/v1/funds/ae-winter-2013-14/")
    assert response.status_code == 200
    fund = response.json()
    assert fund["total"] == "250000000.00"
    assert fund["modelled"] == "221000000.00"
    assert fund["published"] == "19800000.00"  # Barts £12.8m + BHRUT £7m
    assert fund["rule"]["kind"] == "worst_n"
    assert [t["amount"] for t in fund["tranches"]] == ["15000000.00", "221000000.00", "14000000.00"]


def test_a_repeated_get_answers_304_with_the_etag(client):
    factories.fixed_fund({factories.trust(): 1_00})
    first = client.get("/api/v1/funds/")
    assert first.status_code == 200
    again = client.get("/api/v1/funds/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
