"""Every page in a real browser: Debian's chromium driven by playwright, against the site served
by a separate process on the test database with the demo data loaded.

Each page must draw every chart with data, log no console error and ask no other host for
anything. Screenshots land in tests/screenshots/ for review.
"""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.live import chromium, served
from tests.workers import BASE_DIR

pytestmark = [pytest.mark.browser, pytest.mark.services]

SCREENSHOTS = BASE_DIR / "tests" / "screenshots"

# Each page and the charts it must draw.
PAGES = {
    "overview": ("/", ["chart-performance"]),
    "performance": ("/performance/", ["chart-scatter"]),
    "league": ("/league/", ["chart-league", "chart-funnel"]),
    "funds": ("/funds/", []),
    "fund-winter": ("/funds/ae-winter-2013-14/", ["chart-allocations", "chart-event-study"]),
    "fund-bcf": ("/funds/better-care-fund-2015-16/", ["chart-allocations"]),
    "trusts": ("/trusts/", []),
    "trust-rv8": ("/trusts/RV8/", ["chart-performance", "chart-spc"]),
    "ccg": ("/trusts/06W/", []),
    "spending": ("/spending/", ["chart-spending"]),
}


@pytest.fixture(scope="module")
def site(demo_data, django_db_blocker, tmp_path_factory):
    """The demo data in the test database, served as in production (gunicorn, whitenoise,
    collected static files, DEBUG off) by another process."""
    with (
        django_db_blocker.unblock(),
        served("gunicorn", static_root=str(tmp_path_factory.mktemp("static"))) as base,
    ):
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser, site):
    """A page that records console errors, page errors and requests to other hosts."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.problems.append(message.text),
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    own_host = urlsplit(site).netloc

    def check_host(request):
        if urlsplit(request.url).netloc not in (own_host, ""):
            page.problems.append(f"request to another host: {request.url}")

    page.on("request", check_host)
    yield page
    context.close()


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
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
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
