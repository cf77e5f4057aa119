"""The site served over real HTTP by another process, on this test session's database.

`make run` serves it with Django's development server and production with gunicorn; a
header or a body that one of them refuses only shows when a test goes through it, never
through the test client. Data the server must see has to be committed first (module
fixtures such as `demo_data`).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from tests.conftest import service_missing
from tests.workers import BASE_DIR, worker_database_url

SERVERS = ("runserver", "gunicorn")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(server: str, port: int) -> list[str]:
    if server == "runserver":
        return [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    # One worker: each imports the site and fills cold caches of its own, and a test asks one
    # thing at a time (a page's requests for its static files wait milliseconds behind each
    # other). Three browser files took 129.5 and 129.8 s against 138.8 and 144.7 s with two.
    return [
        *(sys.executable, "-m", "gunicorn", "config.wsgi"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"),
    ]


def static_collect(static_root: str) -> None:
    """Collects, hashes and compresses the static files as production does: slow (tens of
    seconds), so a test session does it once (the `static_collected` fixture)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "STATIC_COLLECTED": "1",
            "STATIC_ROOT": static_root,
        },
        check=True,
    )


@contextmanager
def served(server: str, *, static_root: str | None = None, **env: str) -> Iterator[str]:
    """Starts `runserver` (DEBUG on, as under `make run`) or gunicorn (DEBUG off, serving with
    whitenoise the static files collected into `static_root` by `static_collect`, as in
    production) and yields its base URL once /healthz answers. Must be entered with database
    access unblocked."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": worker_database_url(),
        "DEBUG": "1" if server == "runserver" else "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_HSTS_SECONDS": "0",
        **env,
    }
    if server == "gunicorn":
        if static_root is None:
            raise ValueError("gunicorn serves collected static files: pass static_root")
        env["STATIC_ROOT"] = static_root
        env["STATIC_COLLECTED"] = "1"
    process = subprocess.Popen(server_command(server, port), cwd=BASE_DIR, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        # Generous: on a machine shared by several test runs the server takes over 30 s to import.
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{server} did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def chromium():
    """Debian's chromium driven by playwright (never a downloaded browser)."""
    executable = shutil.which("chromium")
    if executable is None:
        service_missing("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def beside_the_browser(work: Callable):
    """Runs `work` (reads and writes of the database) in a thread of its own and returns what
    it returns: playwright's sync API keeps an event loop running in the test's thread, where
    Django refuses the ORM."""
    from django.db import connections

    def run():
        try:
            return work()
        finally:
            connections.close_all()  # this thread's

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def http(method: str, url: str, *, headers: dict | None = None, data: bytes | None = None):
    """(status, headers, body) of one request; an error status is an answer, not an exception."""
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
