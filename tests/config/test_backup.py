"""The restore drill: a backup restored into a new database holds every row of every table."""

import os
import sqlite3
import subprocess
import sys

import psycopg
import pytest
from django.db import connection

from tests.workers import BASE_DIR, worker_database_url


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


def every_row(connect, tables: list[str]) -> dict[str, list[tuple]]:
    """Every row of each table, read through a connection of its own (so only what is
    committed, as a backup sees it), sorted on all its columns: a history table's first column
    is not unique, and ties on it come out in whatever order each database's plan gives."""
    with connect() as db:
        rows = {}
        for table in tables:
            columns = [
                column[0] for column in db.execute(f'SELECT * FROM "{table}" LIMIT 0').description
            ]
            every_column = ", ".join(f'"{column}"' for column in columns)
            rows[table] = db.execute(f'SELECT * FROM "{table}" ORDER BY {every_column}').fetchall()
        return rows


def test_rows_are_read_in_the_same_order_whatever_order_they_were_written_in(tmp_path):
    written = [(1, "first"), (1, "second"), (2, "third")]
    databases = {"forwards": written, "backwards": written[::-1]}
    for name, rows in databases.items():
        with sqlite3.connect(tmp_path / name) as db:
            db.execute("CREATE TABLE history (id INTEGER, change TEXT)")
            db.executemany("INSERT INTO history VALUES (?, ?)", rows)

    forwards, backwards = (
        every_row(lambda name=name: sqlite3.connect(tmp_path / name), ["history"])
        for name in databases
    )
    assert forwards == backwards == {"history": sorted(written)}


@pytest.fixture
def new_database(tmp_path):
    """A new, empty database beside the test database, named after it (so another test session
    on the same server has its own), and removed afterwards: its URL and how to read it."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
        return
    server, session_database = worker_database_url().rsplit("/", 1)
    name = f"{session_database}_restore_drill"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{server}/{name}", lambda: psycopg.connect(f"{server}/{name}")
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.mark.django_db
@pytest.mark.usefixtures("real_data")
def test_a_backup_restored_into_a_new_database_holds_every_row_of_every_table(
    tmp_path, new_database
):
    source = worker_database_url()
    backup = tmp_path / "drill.backup"
    assert "Backed up to" in manage("backup", str(backup), database_url=source).stdout
    target_url, read_target = new_database
    assert (
        "Restored from" in manage("restore", "--yes", str(backup), database_url=target_url).stdout
    )

    read_source = (
        (lambda: sqlite3.connect(connection.settings_dict["NAME"]))
        if connection.vendor == "sqlite"
        else (lambda: psycopg.connect(source))
    )
    tables = connection.introspection.table_names()
    expected, restored = every_row(read_source, tables), every_row(read_target, tables)
    assert sum(map(len, expected.values())) > 50_000  # the shipped data, not an empty shell
    # The tables that differ, by name and row counts: pytest's own diff of every row of every
    # table took minutes to write.
    differing = {
        table: (len(rows), len(restored.get(table, [])))
        for table, rows in expected.items()
        if restored.get(table) != rows
    }
    assert differing == {}
