"""The site as a browser sees it: served by gunicorn from another process on the test database
with the demo data loaded, and Debian's chromium driven by playwright."""

import os
from urllib.parse import urlsplit

import pytest

from funding import services
from funding.models import AllocationRun, Fund
from funding.seed import demo_funds_seed
from tests.live import chromium, served
from tests.workers import BASE_DIR

SCREENSHOTS = BASE_DIR / "tests" / "screenshots"


def screenshot(page, name: str) -> None:
    """Saves the whole page as tests/screenshots/<name>.png when SCREENSHOTS=1 is set, for a
    person to look at; nothing asserts on it, and a full-page capture of a long page costs
    seconds, so a plain test run takes none."""
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# Each page and the charts it must draw.
PAGES = {
    "overview": ("/", ["chart-performance"]),
    "performance": ("/performance/", ["chart-scatter"]),
    "league": ("/league/", ["chart-league", "chart-funnel"]),
    "funds": ("/funds/", []),
    "fund-winter": ("/funds/ae-winter-2013-14/", ["chart-allocations", "chart-event-study"]),
    "fund-bcf": ("/funds/better-care-fund-2015-16/", ["chart-allocations"]),
    "trusts": ("/trusts/", []),
    "trust-rv8": ("/trusts/RV8/", ["chart-performance", "chart-spc", "chart-deciles"]),
    "ccg": ("/trusts/06W/", []),
    "spending": ("/spending/", ["chart-spending"]),
    "glossary": ("/glossary/", []),
    "data-sources": ("/data-sources/", []),
    "whats-new": ("/whats-new/", []),
}


@pytest.fixture(scope="module")
def site(demo_data, django_db_blocker, static_collected):
    """The demo data in the test database, served as in production (gunicorn, whitenoise,
    hashed and compressed static files with long cache headers, DEBUG off) by another
    process."""
    with (
        django_db_blocker.unblock(),
        served("gunicorn", static_root=static_collected) as base,
    ):
        yield base


@pytest.fixture
def computed():
    """The demo funds with the winter fund's two waves allocated by their rules."""
    demo_funds_seed()
    for slug in ("ae-winter-2013-14", "ae-winter-second-wave-2013-14"):
        fund = Fund.objects.get(slug=slug)
        services.allocation_run_start(run=AllocationRun.objects.create(fund=fund, triggered_by="t"))


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(site, browser):
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
