from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.services import BackupError, database_restore


class Command(BaseCommand):
    help = "Replaces the database's contents with a backup made by `backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a file written by `manage.py backup`")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask before replacing the database"
        )

    def handle(self, *args, file, yes, **options):
        if not yes and input(f"Replace every row of the database with {file}? [y/N] ") != "y":
            raise CommandError("Nothing was restored.")
        try:
            database_restore(path=file)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored from {file}")
