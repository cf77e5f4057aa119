"""Backing up and restoring the whole database: pg_dump and pg_restore on PostgreSQL, SQLite's
online backup API on the embedded default. Both copy a database in use, consistently."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection


class BackupError(Exception):
    """The backup or restore could not be made; the message says why, in words."""


def database_backup(*, path: Path) -> Path:
    """Writes a consistent copy of the default database to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        target.close()
    elif connection.vendor == "postgresql":
        _postgres("pg_dump", "--format=custom", f"--file={path}", "--dbname", _dbname())
    else:
        raise BackupError(f"backups of {connection.vendor} databases are not supported")
    return path


def database_restore(*, path: Path) -> None:
    """Replaces the default database's contents with the backup at `path`."""
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(path) as source:
            source.backup(connection.connection)
        source.close()
    elif connection.vendor == "postgresql":
        connection.close()  # pg_restore drops and recreates what this session might hold
        _postgres(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            _dbname(),
            str(path),
        )
    else:
        raise BackupError(f"restores into {connection.vendor} databases are not supported")


def _dbname() -> str:
    settings = connection.settings_dict
    return settings["NAME"]


def _postgres(program: str, *arguments: str) -> None:
    if not shutil.which(program):
        raise BackupError(f"{program} is not installed (PostgreSQL's client programs)")
    settings = connection.settings_dict
    env = {**os.environ}
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if settings.get(key):
            env[variable] = str(settings[key])
    done = subprocess.run([program, *arguments], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip()}")
