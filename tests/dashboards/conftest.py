"""The site as a browser sees it: served by gunicorn from another process on the test database
with the demo data loaded, and Debian's chromium driven by playwright."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlsplit

import pytest

from tests.conftest import service_missing
from tests.workers import BASE_DIR, worker_database_url

SCREENSHOTS = BASE_DIR / "tests" / "screenshots"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

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
    "glossary": ("/glossary/", []),
    "data-sources": ("/data-sources/", []),
    "whats-new": ("/whats-new/", []),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(demo_data, django_db_blocker, tmp_path_factory):
    """The demo data in the test database, served as in production (gunicorn, whitenoise,
    collected static files, DEBUG off) by another process."""
    with django_db_blocker.unblock():
        database_url = worker_database_url()
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path_factory.mktemp("static")),
        "SECURE_HSTS_SECONDS": "0",
        # Hashed, compressed static files with long cache headers, as production serves them.
        "STATIC_COLLECTED": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"),
        ],
        cwd=BASE_DIR,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the site did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        service_missing("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


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
