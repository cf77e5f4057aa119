"""Every page in a real browser: Debian's chromium driven by playwright, against the site served
by a separate process on the test database with the demo data loaded.

Each page must draw every chart with data, log no console error and ask no other host for
anything. With SCREENSHOTS=1, screenshots land in tests/screenshots/ for review.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.dashboards.conftest import PAGES, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.services]


@pytest.mark.parametrize("name", PAGES)
def test_each_page_draws_its_charts_without_errors(page, site, name):
    path, charts = PAGES[name]
    response = page.goto(site + path)
    assert response.status == 200
    for chart in charts:
        page.wait_for_selector(f"#{chart}[data-drawn]", state="attached", timeout=15_000)
        # Plotly drew traces with points in them, not an empty frame.
        assert page.locator(f"#{chart} .main-svg").count() > 0
        assert page.locator(f"#{chart} .trace, #{chart} .point").count() > 0, chart
    screenshot(page, name)
    assert page.problems == []


def test_a_filter_is_followed_and_kept_in_the_link(page, site):
    page.goto(site + "/performance/")
    page.select_option("#id_y", "after")
    page.select_option("#id_x", "per_1000")
    page.get_by_role("button", name="Show").click()
    page.wait_for_selector("#chart-scatter[data-drawn]", state="attached")
    assert "y=after" in page.url and "x=per_1000" in page.url
    assert "per 1,000 attendances" in page.locator("#chart-scatter").inner_text()
    assert page.problems == []


def test_a_bad_filter_shows_the_problem_beside_the_field(page, site):
    response = page.goto(site + "/performance/?before_from=2013-04-01&before_to=2013-01-01")
    assert response.status == 400
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert "ends before it starts" in page.locator(".nhsuk-error-message").first.inner_text()


def test_a_chart_csv_downloads_what_was_plotted(page, site, tmp_path):
    page.goto(site + "/league/?from=2013-01-01&to=2013-03-31&type=1&limit=10")
    with page.expect_download() as download_info:
        page.get_by_text("Download CSV of the data plotted").first.click()
    saved = Path(tmp_path / "league.csv")
    download_info.value.save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[0].startswith("rank,ods_code,name")
    assert len(lines) == 11 and lines[1].startswith("1,RV8,")


def test_the_performance_line_breaks_where_no_source_has_a_month(page, site):
    """England's type 1 line has no figure for April 2015: the drawn trace holds a null there
    and Plotly is told not to join across it."""
    page.goto(f"{site}/")
    page.wait_for_selector("#chart-performance .main-svg")
    trace = page.evaluate(
        """() => document.getElementById("chart-performance").data
            .find((t) => t.name === "Type 1 (major A&E)")"""
    )
    months = dict(zip(trace["x"], trace["y"], strict=True))
    assert months["2015-04"] is None
    assert months["2015-02"] is not None and months["2015-06"] is not None
    assert trace.get("connectgaps") is False
    names = page.evaluate(
        """() => document.getElementById("chart-performance").data.map((t) => t.name)"""
    )
    assert names == ["Type 1 (major A&E)", "All types", "Fund announced (hover for its name)"]


def test_the_winter_fund_page_leads_with_the_failed_pretrend_test_then_the_checks(page, site):
    page.goto(site + "/funds/ae-winter-2013-14/")
    section = page.locator("#impact ~ *")
    warning = page.locator("#pretrend-warning")
    assert warning.is_visible() and "not moving in step" in warning.inner_text()
    # Nothing between the heading and the warning: it is read before any estimate.
    first_after_heading = page.locator("#impact + *")
    assert first_after_heading.get_attribute("id") == "pretrend-warning"
    text = section.all_inner_texts()
    joined = "\n".join(text)
    assert "There is no unfunded comparison group" in joined
    assert "Placebo, 1 year earlier" in joined
    assert page.locator("#discontinuity").is_visible()
    assert "among foundation trusts and" in page.locator("#discontinuity").inner_text()
    assert "week ends" in page.locator("#week-rule").inner_text()
    screenshot(page, "fund-winter-impact")
    assert page.problems == []


def test_a_before_window_over_the_selection_months_is_flagged_on_the_page(page, site):
    page.goto(site + "/funds/ae-winter-2013-14/")
    windows = (("Before window starts", "1 11 2012"), ("Before window ends", "31 3 2013"))
    for legend, date in windows:
        boxes = page.get_by_role("group", name=legend)
        for part, value in zip(("Day", "Month", "Year"), date.split(), strict=True):
            boxes.get_by_label(part).fill(value)
    page.get_by_role("button", name="Show").click()
    warning = page.locator("#window-warnings")
    warning.wait_for()
    assert "regression to the mean" in warning.inner_text()
    assert "before_from_day=1&before_from_month=11&before_from_year=2012" in page.url
    assert page.problems == []


def test_on_a_phone_the_league_bars_name_trusts_in_legible_type_or_not_at_all(page, site):
    """A name too long for its bar is left to the hover and the table, not shrunk to a few
    pixels."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/league/")
    page.wait_for_selector("#chart-league[data-drawn]", state="attached")
    sizes = page.evaluate(
        """Array.from(document.querySelectorAll('#chart-league .bartext'))
             .filter(text => text.textContent && getComputedStyle(text).display !== 'none')
             .map(text => parseFloat(getComputedStyle(text).fontSize)
                          * (text.getCTM() ? text.getCTM().a : 1))"""
    )
    assert sizes and min(sizes) >= 10, sizes


def test_on_a_phone_the_spending_chart_keeps_room_for_its_bars_and_whole_labels(page, site):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/spending/")
    page.wait_for_selector("#chart-spending[data-drawn]", state="attached")
    shown = page.evaluate(
        """(() => {
          const chart = document.getElementById('chart-spending');
          const box = chart.getBoundingClientRect();
          const plot = chart.querySelector('.nsewdrag').getBoundingClientRect();
          const labels = Array.from(chart.querySelectorAll('.ytick text'))
            .map(label => label.getBoundingClientRect());
          const legend = chart.querySelector('.legend').getBoundingClientRect();
          return {
            plotShare: plot.width / box.width,
            labelsInside: labels.every(
              label => label.left >= box.left && label.right <= plot.left + 1),
            legendClear: legend.top >= plot.bottom || legend.left >= plot.right,
          };
        })()"""
    )
    assert shown["plotShare"] >= 0.45 and shown["labelsInside"] and shown["legendClear"], shown


@pytest.mark.parametrize(
    ("path", "row_text", "heading"),
    [
        ("/funds/", "Better Care Fund 2015-16", "Announced total"),
        ("/trusts/RV8/", "A&E winter fund 2013-14", "Amount"),
        ("/funds/better-care-fund-2015-16/", "Performance-linked phase 1", "Conditions"),
    ],
)
def test_on_a_phone_funds_tranches_and_receipts_read_down_the_screen_with_their_headings(
    page, site, path, row_text, heading
):
    """Amounts and long conditions in tables of five and seven columns were a sideways scroll
    away on a phone, beside rows a screen tall; each fund, tranche or receipt reads as a card
    instead, each value named."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + path)
    table = page.locator("main table", has_text=row_text)
    box = table.evaluate(
        """t => ({scroll: t.parentElement.scrollWidth, client: t.parentElement.clientWidth,
                 right: t.getBoundingClientRect().right})"""
    )
    assert box["scroll"] <= box["client"] + 1 and box["right"] <= 390, box
    # The row's cell in the heading's column, whatever the value the data gives it.
    column = table.locator("thead th").all_inner_texts().index(heading)
    cell = table.locator("tbody tr", has_text=row_text).first.locator("td").nth(column)
    assert cell.is_visible()
    shown = cell.inner_text()
    assert shown.startswith(heading) and shown[len(heading) :].strip(), shown
    assert page.problems == []


def test_sorting_a_responsive_table_reads_the_values_not_the_headings_beside_them(page, site):
    page.goto(site + "/funds/better-care-fund-2015-16/")
    table = page.locator("main table", has_text="Performance-linked phase 1")
    amount = table.get_by_role("button", name="Amount")
    amount.click()
    amount.click()  # descending: the largest tranche first
    first = table.locator("tbody tr").first.locator("td").first
    assert "Other pooled funding" in first.inner_text()
    assert page.problems == []


def test_sorting_by_amount_reads_an_amount_with_a_note_as_its_number(page, site):
    """A capped fund's total reads "£100,000,000 (up to)": sorted as words, it went after every
    number, the £100m fund below the £3.8bn one."""
    page.goto(site + "/funds/")
    table = page.locator("main table").first
    column = table.locator("thead th").all_inner_texts().index("Announced total")
    table.get_by_role("button", name="Announced total").click()
    shown = table.locator(f"tbody tr td:nth-child({column + 1})").all_inner_texts()
    assert any("(up to)" in text for text in shown)
    totals = [int(re.search(r"£([\d,]+)", text)[1].replace(",", "")) for text in shown]
    assert totals == sorted(totals)
    assert page.problems == []


def test_on_a_phone_the_menu_is_one_row_with_the_rest_behind_more(page, site):
    """Eight links took three rows (266 pixels) before the page began; NHS.UK's navigation
    keeps one row and puts what does not fit behind "More"."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/funds/")
    navigation = page.locator("#header-navigation")
    more = navigation.get_by_role("button", name="Browse More")
    expect(more).to_be_visible()
    assert navigation.bounding_box()["height"] <= 80  # one row (three were 200)
    league = page.get_by_role("link", name="League table")
    expect(league).to_be_hidden()
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    league.click()
    page.wait_for_url("**/league/")
    assert page.problems == []
