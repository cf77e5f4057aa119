"""WCAG 2.2 AA as axe-core checks it, and layouts that fit a phone, on every page.

axe-core is the npm package pinned in package.json (`npm ci` puts it in node_modules/); it is
read from disk and evaluated in the page, never fetched from another host.
"""

import datetime as dt
import json

import pytest
from playwright.sync_api import expect

from tests.conftest import service_missing
from tests.dashboards.conftest import PAGES, screenshot, tab
from tests.workers import BASE_DIR

pytestmark = [pytest.mark.browser, pytest.mark.services]

AXE = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
# The API docs page is drf-spectacular's Swagger UI in our template; it is checked once
# api-docs.js has mended Swagger UI's headings and landmarks (body[data-mended]).
ACCESSIBILITY_PAGES = {**PAGES, "api-docs": ("/api/v1/docs/", [])}
READY = {"/api/v1/docs/": "body[data-mended]"}


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        service_missing("axe-core is not installed (npm ci)")
    return AXE.read_text()


@pytest.fixture(scope="module")
def contexts(browser):
    """A browser context for each viewport, its one tab kept across pages as a reader's would
    be: a new tab for each page started a renderer and compiled plotly.js again each time."""
    opened = {
        name: browser.new_context(viewport={"width": width, "height": height})
        for name, (width, height) in VIEWPORTS.items()
    }
    yield opened
    for context in opened.values():
        context.close()


def _open(context, site, path, charts):
    page = tab(context)
    page.goto(site + path)
    for chart in charts:
        page.wait_for_selector(f"#{chart}[data-drawn]", state="attached", timeout=15_000)
    if path in READY:
        page.wait_for_selector(READY[path], state="attached", timeout=30_000)
    # Tables folded into <details> are checked open, as a reader would open them.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    return page


def _violations(page, axe_source):
    page.evaluate(axe_source)
    # Only the violations cross to Python: axe's whole result (every node that passed, with its
    # HTML) took seconds a page to pass over.
    violations = page.evaluate(
        "axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
        ".then(result => result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
        "targets: v.nodes.slice(0, 3).map(node => node.target)})))"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(json.dumps(target) for target in v["targets"])
        for v in violations
    ]


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", ACCESSIBILITY_PAGES)
def test_axe_finds_no_violation_and_no_page_scrolls_sideways_on_a_phone(
    site, contexts, axe_source, name, viewport
):
    """Both checks on one opening of the page: opening each page again at the phone's size for
    the width alone cost a second and a half a page."""
    path, charts = ACCESSIBILITY_PAGES[name]
    page = _open(contexts[viewport], site, path, charts)
    widths = page.evaluate(
        "({page: document.documentElement.scrollWidth, viewport: window.innerWidth})"
    )
    cramped = page.evaluate(CRAMPED_CHARTS)
    violations = _violations(page, axe_source)
    screenshot(page, f"a11y-{name}-{viewport}")
    assert violations == []
    assert widths["page"] <= widths["viewport"], widths
    assert cramped == [], cramped


# Charts whose bars, lines or points get under half the chart's width, whose legend lies over
# them, or whose titles run off the chart: on a phone, a legend at the side or a margin for
# long labels took the width, and a long axis title ran off the top.
CRAMPED_CHARTS = """Array.from(document.querySelectorAll('.js-plotly-plot')).map(chart => {
  const box = chart.getBoundingClientRect();
  const plot = chart.querySelector('.nsewdrag').getBoundingClientRect();
  const legend = chart.querySelector('.legend');
  const key = legend ? legend.getBoundingClientRect() : null;
  const over = key !== null && key.width > 0 && !(key.top >= plot.bottom
    || key.bottom <= plot.top || key.left >= plot.right || key.right <= plot.left);
  const cut = Array.from(chart.querySelectorAll('.gtitle, .g-xtitle text, .g-ytitle text'))
    .filter(title => {
      const edge = title.getBoundingClientRect();
      return edge.width > 0 && (edge.top < box.top - 1 || edge.bottom > box.bottom + 1
        || edge.left < box.left - 1 || edge.right > box.right + 1);
    }).map(title => title.textContent);
  return {chart: chart.id, share: Math.round(100 * plot.width / box.width) / 100, over: over,
    cut: cut};
}).filter(chart => chart.share < 0.45 || chart.over || chart.cut.length)"""


TRANSFERRED = """() => [performance.getEntriesByType("navigation")[0],
    ...performance.getEntriesByType("resource")].reduce((sum, e) => sum + e.transferSize, 0)"""


def test_a_first_visit_and_a_second_page_stay_light(site, browser):
    """Static files are compressed and cached: the first visit pays for plotly.js once."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(site + "/")
        page.wait_for_selector("#chart-performance[data-drawn]", state="attached")
        first = page.evaluate(TRANSFERRED)
        page.goto(site + "/league/")
        page.wait_for_selector("#chart-league[data-drawn]", state="attached")
        second = page.evaluate(TRANSFERRED)
    finally:
        context.close()
    print(f"first visit to / transferred {first:,} bytes; then /league/ {second:,} bytes")
    assert 0 < first <= 1_500_000
    assert 0 < second <= 150_000


def _column(page, table, column):
    return (
        page.locator("main table")
        .nth(table)
        .evaluate(f"t => Array.from(t.tBodies[0].rows, r => r.cells[{column}].textContent.trim())")
    )


# The league table's columns: rank, code, name, region, attendances...
ATTENDANCES = 4


def test_a_table_sorts_by_a_column_and_a_link_keeps_the_order(site, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(site + "/league/")
        heading = page.get_by_role("button", name="Attendances", exact=True)
        heading.click()
        ascending = [int(v.replace(",", "")) for v in _column(page, 0, ATTENDANCES)]
        assert ascending == sorted(ascending) and ascending[0] < ascending[-1]
        assert page.url.endswith(f"#sort=0.{ATTENDANCES}.ascending")
        heading.click()
        descending = [int(v.replace(",", "")) for v in _column(page, 0, ATTENDANCES)]
        assert descending == sorted(ascending, reverse=True)
        shared = page.url
        sorted_by = page.locator("main table th").nth(ATTENDANCES)
        assert sorted_by.get_attribute("aria-sort") == "descending"
        other = context.new_page()
        other.goto(shared)
        assert _column(other, 0, ATTENDANCES) == _column(page, 0, ATTENDANCES)
    finally:
        context.close()


def test_funds_sort_by_the_day_they_were_announced_not_by_its_words(site, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        page.goto(site + "/funds/")
        page.get_by_role("button", name="Announced", exact=True).click()
        # "1 Jul 2011 (date not confirmed)": the day, and how sure the sources are of it.
        announced = [
            dt.datetime.strptime(text.split(" (date ")[0].strip(), "%d %b %Y").date()
            for text in page.locator("main table").first.evaluate(
                "t => Array.from(t.tBodies[0].rows, r => r.cells[1].innerText.split('\\n')"
                ".filter(line => line.trim() && line.trim() !== 'Announced')[0])"
            )
        ]
        assert len(announced) > 2 and announced == sorted(announced)
    finally:
        page.close()


def test_copy_link_copies_the_view_on_screen(site, browser):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(site + "/performance/?y=after&x=per_1000")
        page.get_by_role("button", name="Copy link to this view").click()
        expect(page.locator(".app-share__status")).to_have_text("Link copied")
        assert page.evaluate("navigator.clipboard.readText()") == page.url
    finally:
        context.close()
