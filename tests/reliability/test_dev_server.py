"""`make run` on PostgreSQL: the development server must not keep a connection per request."""

import os
import subprocess
import sys
import urllib.request

import psycopg
import pytest

from tests.servers import free_port, postgres_cluster, wait_until
from tests.workers import BASE_DIR

pytestmark = pytest.mark.services


def _connections(admin_url: str, database: str) -> int:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        return admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [database]
        ).fetchone()[0]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def test_the_development_server_holds_no_connection_per_request():
    with postgres_cluster() as postgres:
        env = {
            **{k: v for k, v in os.environ.items() if k != "CONN_MAX_AGE"},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": postgres.database_url("devserver"),
            "DEBUG": "1",
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run(
            [*manage, "migrate", "--no-input", "-v", "0"], cwd=BASE_DIR, env=env, check=True
        )
        port = free_port()
        # As bin/quickstart starts it.
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(lambda: _answers(f"{base}/healthz"), 60, "the development server")
            counts = []
            for request in range(1, 51):
                assert _answers(f"{base}/api/v1/funds/?format=json")
                if request in (10, 50):
                    counts.append(_connections(postgres.url, "devserver"))
            # Not a count that must fall: the last request's thread may not yet have closed
            # its connection when the count is taken ([0, 1] was seen). With connections kept
            # (CONN_MAX_AGE=60, as under gunicorn) it counted [7, 10].
            assert max(counts) <= 2, counts
        finally:
            server.terminate()
            server.wait(timeout=20)
