"""The site as a browser sees it: served by gunicorn from another process on the test database
with the demo data loaded, and Debian's chromium driven by playwright."""

import os
from urllib.parse import urlsplit

import pytest

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


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser_context(browser):
    """One browser context, and one tab in it, for a module's tests (see `tab`)."""
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    yield context
    context.close()


def tab(context):
    """The context's first tab, kept from test to test: a new tab starts a renderer process
    and compiles plotly.js again, about 1.6 s of chromium's CPU against 0.2 to 0.6 s for going
    to another page in the same tab (chromium 156 on this two-core machine), and a tab for each
    test was most of the 200 s of CPU chromium took in a run of the whole suite."""
    return context.pages[0] if context.pages else context.new_page()


@pytest.fixture
def page(site, browser_context):
    """The module's tab, recording console errors, page errors and requests to other hosts,
    and left as a new tab would be: no cookies, permissions, session storage, listeners or
    other tabs of an earlier test, at the desktop size."""
    page = tab(browser_context)
    page.problems = []
    own_host = urlsplit(site).netloc

    def console(message):
        if message.type == "error":
            page.problems.append(message.text)

    def page_error(error):
        page.problems.append(str(error))

    def request(request):
        if urlsplit(request.url).netloc not in (own_host, ""):
            page.problems.append(f"request to another host: {request.url}")

    listeners = {"console": console, "pageerror": page_error, "request": request}
    for event, listener in listeners.items():
        page.on(event, listener)
    yield page
    for event, listener in listeners.items():
        page.remove_listener(event, listener)
    for other in browser_context.pages[1:]:
        other.close()
    if page.url.startswith(site):
        # A test may end on a click that is still loading its page: clearing the storage of a
        # document being replaced fails.
        page.wait_for_load_state()
        page.evaluate("sessionStorage.clear()")
    browser_context.clear_cookies()
    browser_context.clear_permissions()
    page.set_viewport_size(DESKTOP)
