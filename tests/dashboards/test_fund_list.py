"""The funds page and the overview's table of funds, on funds of their own: a page of funds at
a time with their totals, so neither page grows with the number of funds announced."""

import datetime as dt
import re

import pytest

from dashboards import views
from tests import factories
from tests.html import text

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[list[str]]:
    """The funds table's rows, each cell's value as text."""
    body = re.search(
        r'<table [^>]*class="[^"]*app-funds[^"]*">.*?<tbody[^>]*>(.*?)</tbody>', html, re.S
    )
    return [
        [text(cell) for cell in re.findall(r"<td\b[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", body.group(1), re.S)
    ]


@pytest.fixture
def five_funds(monkeypatch):
    """Five funds announced a month apart, three to a page; the first paid to two trusts."""
    monkeypatch.setattr(views, "FUNDS_PER_PAGE", 3)
    first = factories.fixed_fund(
        {factories.trust(): 300_00, factories.trust(): 200_00},
        name="Fund announced first",
        announced_on=dt.date(2031, 1, 10),
    )
    factories.run(first)
    later = [
        factories.fund(
            name=f"Fund announced in month {month}", announced_on=dt.date(2031, month, 10)
        )
        for month in range(2, 6)
    ]
    return [first, *later]


def test_the_funds_page_lists_a_page_of_funds_with_their_totals(client, five_funds):
    html = client.get("/funds/").content.decode()
    rows = _rows(html)
    assert [row[0] for row in rows] == [
        "Fund announced first",
        "Fund announced in month 2",
        "Fund announced in month 3",
    ]
    assert rows[0][3:] == ["£500", "£0", "£500", "2"]
    assert "5 funds, page 1 of 2" in html
    assert 'href="?page=2"' in html

    rows = _rows(client.get("/funds/?page=2").content.decode())
    assert [row[0] for row in rows] == ["Fund announced in month 4", "Fund announced in month 5"]


def test_the_overview_lists_the_first_page_of_funds_and_links_to_them_all(client, five_funds):
    html = client.get("/").content.decode()
    assert [row[0] for row in _rows(html)] == [fund.name for fund in five_funds[:3]]
    assert re.search(r'The first 3 funds: <a href="/funds/">all 5 funds</a>', html)


def test_a_single_fund_is_counted_in_the_singular(client):
    factories.fund(name="The only fund", announced_on=dt.date(2031, 1, 10))
    assert "<p>1 fund.</p>" in client.get("/funds/").content.decode()


@pytest.mark.parametrize(
    ("certainty", "shown"),
    [("confirmed", "10 Jan 2031"), ("not_confirmed", "10 Jan 2031 (date not confirmed)")],
)
def test_a_date_the_sources_do_not_confirm_says_so_in_the_list(client, certainty, shown):
    """Approximate dates (1 Jul 2011, 20 Nov 2013) read as exact days everywhere but the
    fund's own page."""
    factories.fund(
        name="A dated fund", announced_on=dt.date(2031, 1, 10), announced_on_certainty=certainty
    )

    [row] = _rows(client.get("/funds/").content.decode())

    assert row[1] == f"{shown}Department of Health"
