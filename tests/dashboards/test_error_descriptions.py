"""A field in error is described by its message: every id an input or fieldset names in
`aria-describedby` is on the page, so a screen reader reads the error with the field."""

import datetime as dt
import re

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/league/?limit=0",
        "/performance/?region=Nowhere",
        "/trusts/?kind=nonsense",
        "/trusts/ZE1/?by=year",
        "/trusts/ZE1/?baseline=abc",
        "/league/?from_day=31&from_month=2&from_year=2013",
    ],
)
def test_every_description_a_field_names_is_on_the_page(client, url):
    trust = factories.trust("ZE1")
    factories.ae_months({(trust, dt.date(2031, month, 1)): (1_000, 100) for month in (1, 2, 3)})
    html = client.get(url).content.decode()

    named = {
        name for names in re.findall(r'aria-describedby="([^"]+)"', html) for name in names.split()
    }
    ids = set(re.findall(r'\bid="([^"]+)"', html))

    assert named, "the page shows no field in error"
    assert named <= ids, f"named but not on the page: {sorted(named - ids)}"


@pytest.mark.parametrize(
    "windows",
    [
        # Swapped: the after window years before the before window.
        "before_from=2013-11-01&before_to=2014-03-31&after_from=2011-11-01&after_to=2012-03-31",
        # Overlapping.
        "before_from=2011-11-01&before_to=2014-03-31&after_from=2014-01-01&after_to=2014-03-31",
    ],
)
def test_a_funds_windows_out_of_order_are_an_error_by_the_field(client, windows):
    fund = factories.fixed_fund({factories.trust("ZE2"): 1_000_00}, slug="windows-in-order")
    factories.run(fund)

    html = client.get(f"/funds/windows-in-order/?{windows}").content.decode()

    summary = re.search(r'<div class="nhsuk-error-summary".*?</ul>', html, re.DOTALL)
    assert summary, "no error summary"
    assert re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary.group(0)) == [
        ("id_after_from_0", "The after window must start after the before window ends")
    ]


def test_a_league_with_no_trust_says_so_instead_of_an_empty_table(client):
    html = client.get("/league/?from=2031-06-01&to=2031-06-30&type=2").content.decode()

    assert (
        "No trust has A&amp;E figures of Type 2 (single specialty) from 1 Jun 2031 to 30 Jun 2031"
        in html
    )
    assert "The 30 worst" not in html and "<table" not in html


def test_a_choice_not_offered_names_the_field_in_words(client):
    trust = factories.trust("ZE3")
    factories.ae_months({(trust, dt.date(2031, 1, 1)): (1_000, 100)})

    html = client.get("/trusts/ZE3/?by=year").content.decode()

    assert "Choose the SPC chart points from the list" in html
