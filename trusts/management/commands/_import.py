"""What `import_orgs` and `import_ae` share: the files, --dry-run, and a clear failure."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trusts.importers import ImportFailed, import_files


class ImportCommand(BaseCommand):
    category = ""

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, help="CSV files, imported in order")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, then write nothing"
        )
        parser.add_argument(
            "--create-unknown",
            action="store_true",
            help="add an organisation for each code no reference file lists (they are listed)",
        )

    def handle(self, *args, files, dry_run, create_unknown, **options):
        try:
            results = import_files(
                files, category=self.category, dry_run=dry_run, create_unknown=create_unknown
            )
        except ImportFailed as failure:
            raise CommandError(
                f"Nothing was imported: {len(failure.errors)} problem(s)\n{failure}"
            ) from failure
        for result in results:
            self.stdout.write(str(result))
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
