"""The five analyst tasks of issue 15, each walked in chromium from the pages alone: what the
analyst clicks and types, and what they read off the screen."""

import csv
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.dashboards.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.services]


def pounds(text: str) -> Decimal:
    """A table's money cell ("£1,234,567" or "£1,234.56") as a number."""
    return Decimal(re.sub(r"[£,]", "", text.strip()))


def fill_date(page, legend: str, day: str, month: str, year: str) -> None:
    boxes = page.get_by_role("group", name=legend)
    for part, value in (("Day", day), ("Month", month), ("Year", year)):
        boxes.get_by_label(part).fill(value)


def cells(row) -> list[str]:
    return [cell.strip() for cell in row.locator("td").all_inner_texts()]


def test_a_trusts_money_and_its_change_after(page, site):
    """From the organisations list to the trust's page: what it received, by fund and year;
    then its change in four-hour performance on the performance page."""
    page.goto(site + "/trusts/")
    page.get_by_label("Name or code").fill("RV8")
    page.get_by_role("button", name="Show").click()
    row = page.locator("main table tbody tr").first
    received = cells(row)[4]
    assert re.fullmatch(r"\d{4}-\d{2}.*: £[\d,]+(\.\d\d)?", received.splitlines()[0]), received
    row.get_by_role("link", name="RV8").click()
    funds = page.get_by_role("region", name="Funds received")
    first = funds.locator("tbody tr").first
    # Waits for the trust's page: the click returns once the navigation starts, and counting
    # at once found no row (one CI failure).
    expect(first.get_by_role("link")).to_have_count(1)  # the fund, by name, linked to its page
    assert cells(first)[2].startswith("£")

    page.goto(site + "/performance/")
    page.get_by_text("Data table").click()
    trust = page.locator("main table tbody tr", has=page.get_by_role("link", name="RV8"))
    shown = cells(trust)
    assert shown[5].startswith("£") and "—" not in shown[5]  # the winter fund paid it
    assert re.fullmatch(r"-?\d+\.\d\d", shown[9]), shown[9]  # change in points
    assert page.problems == []


def test_the_worst_ten_and_what_they_got(page, site):
    page.goto(site + "/league/")
    page.get_by_label("How many trusts").fill("10")
    page.get_by_role("button", name="Show").click()
    heading = page.locator("#results")
    expect(heading).to_be_focused()
    assert heading.inner_text().startswith("The 10 worst")
    rows = page.locator("main table").first.locator("tbody tr")
    assert rows.count() == 10
    for index in range(10):
        shown = cells(rows.nth(index))
        assert shown[7].startswith("£") or shown[7] == "— (no fund)", shown
    # The worst trust was funded: its amount and the fund's name, linked to the fund's page.
    worst = rows.first
    assert pounds(cells(worst)[7]) > 0
    fund = worst.locator("td").nth(8).get_by_role("link").first
    name = fund.inner_text()
    fund.click()
    assert "/funds/" in page.url and page.locator("h1").inner_text() == name
    assert page.problems == []


def test_a_funds_csv_has_names_financial_year_and_region(page, site, tmp_path):
    page.goto(site + "/funds/ae-winter-2013-14/")
    with page.expect_download() as download:
        page.get_by_text("Download CSV of every allocation").click()
    saved = tmp_path / "allocations.csv"
    download.value.save_as(saved)
    with saved.open() as file:
        rows = list(csv.DictReader(file))
    assert {"fund", "financial_year", "ods_code", "name", "region"} <= set(rows[0])
    assert all(row["name"] and row["region"] and row["financial_year"] for row in rows)
    assert {row["financial_year"] for row in rows} == {"2013-14"}


def test_london_winter_2013_14_against_2012_13_with_a_regional_total(page, site):
    page.goto(site + "/performance/")
    fill_date(page, "Before window starts", "1", "11", "2012")
    fill_date(page, "Before window ends", "31", "3", "2013")
    fill_date(page, "After window starts", "1", "11", "2013")
    fill_date(page, "After window ends", "31", "3", "2014")
    page.get_by_label("Region").select_option("London")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#results")).to_be_focused()
    assert "London" in page.title()
    totals = page.locator("#totals tbody tr")
    london, england = cells(totals.nth(0)), cells(totals.nth(1))
    assert london[0] == "London" and england[0] == "England"
    page.get_by_text("Data table").click()
    trusts = page.locator("details table tbody tr")
    assert int(london[1]) == trusts.count() < int(england[1].replace(",", ""))
    # The regional total is the sum of the rows above it.
    received = [cells(trusts.nth(i))[5] for i in range(trusts.count())]
    assert pounds(london[2]) == sum(pounds(cell) for cell in received if cell.startswith("£"))
    assert all(cells(trusts.nth(i))[2] == "London" for i in range(trusts.count()))
    for percent in london[4:6]:
        assert re.fullmatch(r"\d+\.\d\d", percent)
    screenshot(page, "task-london-winter")
    assert page.problems == []


def test_a_shared_link_reopens_the_same_view(page, site, browser):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(site + "/league/")
    page.get_by_label("Region").select_option("London")
    page.get_by_label("How many trusts").fill("8")
    page.get_by_role("button", name="Show").click()
    page.locator("#results").wait_for()
    table = page.locator("main table").first
    table.get_by_role("button", name="Attendances").click()
    page.get_by_role("button", name="Copy link to this view").click()
    expect(page.get_by_role("status")).to_have_text("Link copied")
    link = page.evaluate("navigator.clipboard.readText()")
    shown = [cells(row) for row in table.locator("tbody tr").all()]

    other = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        again = other.new_page()
        again.goto(link)
        assert again.get_by_label("Region").input_value() == "London"
        reopened = again.locator("main table").first
        assert [cells(row) for row in reopened.locator("tbody tr").all()] == shown
        heading = reopened.get_by_role("columnheader", name="Attendances")
        assert heading.get_attribute("aria-sort") == "ascending"
    finally:
        other.close()
    attendances = [int(row[4].replace(",", "")) for row in shown]
    assert len(shown) == 8 and attendances == sorted(attendances)
    assert page.problems == []
