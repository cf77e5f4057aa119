"""The performance page on the shipped data across the real mergers of 2012 to 2015: each
funded footprint keeps its money and is compared with itself (an analyst found Royal Free
shown unfunded with a 3.6-point fall that was Barnet and Chase Farm's hospitals arriving)."""

import pytest

from tests.html import csv_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]

WINTERS = (
    "fund=ae-winter-2013-14&type=1&before_from=2013-11-01&before_to=2014-02-28"
    "&after_from=2014-11-01&after_to=2015-02-28"
)


def test_trusts_taken_over_between_the_winters_are_one_footprint_with_their_money(client, computed):
    rows = csv_rows(client, f"/performance/?{WINTERS}&format=csv", codes_starting="R")

    royal_free, london_north_west = rows["RAL"], rows["R1K"]
    assert royal_free["merged_with"] == "RVL"
    assert royal_free["received"] != "0.00"
    assert london_north_west["merged_with"] == "RC3, RV8"
    assert "RVL" not in rows and "RC3" not in rows
    # Barnet and Chase Farm's 40,193 attendances in the before weeks join Royal Free's 30,031.
    assert int(royal_free["attendances_before"]) > 70_000
