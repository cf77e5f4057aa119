"""The restore drill: a backup restored into a new database holds every row of every table."""

import os
import sqlite3
import subprocess
import sys

import psycopg
import pytest
from django.db import connection

from tests.workers import BASE_DIR, worker_database_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]


def manage(*arguments: str, database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url,
        },
        capture_output=True,
        text=True,
        check=True,
    )


def every_row(connect) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order, read through a connection of its own (so
    only what is committed, as a backup sees it)."""
    tables = connection.introspection.table_names()
    with connect() as db:
        return {
            table: db.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall() for table in tables
        }


def new_database(tmp_path):
    """A new, empty database beside the test database: its URL and how to read it."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        return f"sqlite:///{path}", lambda: sqlite3.connect(path)
    name = f"restore_drill_{os.environ.get('TEST_SESSION', '0')}"
    admin_url = worker_database_url().rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = worker_database_url().rsplit("/", 1)[0] + f"/{name}"
    return url, lambda: psycopg.connect(url)


def test_a_backup_restored_into_a_new_database_holds_every_row_of_every_table(tmp_path):
    source = worker_database_url()
    backup = tmp_path / "drill.backup"
    assert "Backed up to" in manage("backup", str(backup), database_url=source).stdout
    target_url, read_target = new_database(tmp_path)
    assert (
        "Restored from" in manage("restore", "--yes", str(backup), database_url=target_url).stdout
    )

    read_source = (
        (lambda: sqlite3.connect(connection.settings_dict["NAME"]))
        if connection.vendor == "sqlite"
        else (lambda: psycopg.connect(source))
    )
    expected, restored = every_row(read_source), every_row(read_target)
    assert sum(map(len, expected.values())) > 50_000  # the shipped data, not an empty shell
    # The tables that differ, by name and row counts: pytest's own diff of every row of every
    # table took minutes to write.
    differing = {
        table: (len(rows), len(restored.get(table, [])))
        for table, rows in expected.items()
        if restored.get(table) != rows
    }
    assert differing == {}
