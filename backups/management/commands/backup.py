import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from backups.services import BackupError, database_backup


class Command(BaseCommand):
    help = "Writes a consistent copy of the database (pg_dump, or SQLite's backup API)."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", type=Path, help="where to write it (default: var/backups/...)"
        )

    def handle(self, *args, file, **options):
        if file is None:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            suffix = "dump" if connection.vendor == "postgresql" else "sqlite3"
            file = settings.VAR_DIR / "backups" / f"backup-{stamp}.{suffix}"
        try:
            path = database_backup(path=file)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backed up to {path}")
