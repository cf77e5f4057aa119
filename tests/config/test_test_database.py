"""A test that reads the national data from a served site asks pytest-django for no database
(its server has a connection of its own), so run alone it must still write that data to the
test database, never to the one DATABASE_URL names: a developer's own, whose funds the demo
fixture deletes when it is done."""

import os
import subprocess
import sys

import psycopg
from django.db import connection

from tests.workers import BASE_DIR, worker_database_url

PROBE = '''
import trusts.services


def national_data_load(say):
    """Stands in for the national data (20 s to import): one row, written the same way."""
    from trusts.models import Organisation

    Organisation.objects.create(ods_code="PROBE", name="Written by the fixture", kind="trust")


trusts.services.shipped_data_load = national_data_load


def test_a_browser_test_run_alone(real_data):
    """Asks for the national data as the browser tests do, and for no database."""


def test_beside_a_test_with_a_database(db, real_data):
    """pytest-django's test database, and the fixture's data in it: not a second one."""
    import os

    from django.db import connection

    from trusts.models import Organisation

    named = connection.settings_dict["TEST"]["NAME"]
    own = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    assert connection.settings_dict["NAME"] == (named or f"test_{own}")
    assert Organisation.objects.filter(ods_code="PROBE").exists()
'''


def test_a_test_needing_the_national_data_alone_writes_to_the_test_database(tmp_path):
    """On the session's kind of database. On PostgreSQL in one process, the test database is
    test_ and the database's name, with no suffix: a guard that took that name for the
    developer's own set a second test database up (test_test_...)."""
    (tmp_path / "test_probe.py").write_text(PROBE)
    own_database, database_url, own_database_exists = _own_database(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(tmp_path / "test_probe.py"),
            "-c",
            str(BASE_DIR / "pyproject.toml"),
            "--rootdir",
            str(BASE_DIR),
            "-p",
            "tests.conftest",
            # Without --reuse-db, the test database is removed at the end.
            "-o",
            "addopts=-p no:cacheprovider",
            # The tables from the models: the migrations' own tests are elsewhere.
            "--no-migrations",
            "-q",
        ],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "TEST_SESSION": f"probe-{os.getpid()}",
            "PYTEST_ADDOPTS": "",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "2 passed" in result.stdout
    assert not own_database_exists(), own_database


def _own_database(tmp_path):
    """A developer's database that does not exist yet: its name, its URL, and how to tell
    whether something made it."""
    if connection.vendor == "sqlite":
        path = tmp_path / "own.sqlite3"
        return path, f"sqlite:///{path}", path.exists
    name = f"own_database_{os.getpid()}"
    server = worker_database_url().rsplit("/", 1)[0]

    def exists() -> bool:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            return bool(
                admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            )

    return name, f"{server}/{name}", exists
