"""The summary at the top of a fund's page, on a fund of its own."""

import re

import pytest

from funding.models import Fund
from tests import factories
from tests.html import list_items, text

pytestmark = pytest.mark.django_db


def summary(client, fund: Fund) -> dict[str, str]:
    """The summary list's rows as the reader sees them: heading and text."""
    html = client.get(f"/funds/{fund.slug}/").content.decode()
    rows = re.findall(
        r'<dt class="nhsuk-summary-list__key">(.*?)</dt><dd[^>]*>(.*?)</dd>', html, re.DOTALL
    )
    return {key: text(value) for key, value in rows}


@pytest.mark.parametrize(
    ("certainty", "words"),
    [
        (Fund.DateCertainty.CONFIRMED, "the date confirmed: a dated page says so"),
        (Fund.DateCertainty.INFERRED, "the date inferred from wording and dated coverage"),
        (Fund.DateCertainty.NOT_CONFIRMED, "the date not confirmed"),
    ],
)
def test_the_announcement_says_how_sure_its_date_is_in_one_sentence(client, certainty, words):
    fund = factories.fund(announced_on_certainty=certainty)

    assert (
        summary(client, fund)["Announced"] == f"10 September 2013 by Department of Health; {words}"
    )


def test_the_rule_names_kinds_of_organisation_as_people_write_them(client):
    fund = factories.fund()
    factories.rule(fund, "top_slice", percent="3.5", eligible_kinds=["ccg"], budget_year="2015-16")

    assert summary(client, fund)["Rule"] == "3.5% of each CCG's 2015-16 baseline budget."


def test_a_source_is_listed_with_what_it_says_and_no_dangling_colon_when_it_says_nothing(client):
    fund = factories.fund()
    fund.sources.create(title="Synthetic statement", url="https://example.org/a", says="£3.8bn")
    fund.sources.create(title="Synthetic interview", url="https://example.org/b")

    html = client.get(f"/funds/{fund.slug}/").content.decode()

    assert list_items(html, "Sources") == ["Synthetic statement: £3.8bn", "Synthetic interview"]
