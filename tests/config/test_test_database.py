"""A test that reads the national data from a served site asks pytest-django for no database
(its server has a connection of its own), so run alone it must still write that data to the
test database, never to the one DATABASE_URL names: a developer's own, whose funds the demo
fixture deletes when it is done."""

import os
import subprocess
import sys

from tests.workers import BASE_DIR

PROBE = '''
import trusts.services


def national_data_load(say):
    """Stands in for the national data (20 s to import): one row, written the same way."""
    from trusts.models import Organisation

    Organisation.objects.create(ods_code="PROBE", name="Written by the fixture", kind="trust")


trusts.services.shipped_data_load = national_data_load


def test_a_browser_test_run_alone(real_data):
    """Asks for the national data as the browser tests do, and for no database."""
'''


def test_a_test_needing_the_national_data_alone_writes_to_the_test_database(tmp_path):
    (tmp_path / "test_probe.py").write_text(PROBE)
    own_database = tmp_path / "own.sqlite3"
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
            "DATABASE_URL": f"sqlite:///{own_database}",
            "TEST_SESSION": f"probe-{os.getpid()}",
            "PYTEST_ADDOPTS": "",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not own_database.exists()
