import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError

from sources.models import Fetch
from sources.services import FetchNotPossible, ae_fetch


def _year(text: str) -> str:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValueError(f"{text!r} is not a financial year like 2025-26")
    return text


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()  # noqa: DTZ007 - a month, no time
    except ValueError:
        raise ValueError(f"{text!r} is not a month like 2025-10") from None


class Command(BaseCommand):
    help = (
        "Reads NHS England's A&E landing page for a financial year, and fetches and imports the "
        "monthly provider CSVs that are new or changed (a changed month is a revision)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=_year, help="financial year, e.g. 2025-26")
        parser.add_argument("--month", type=_month, help="only this month, e.g. 2025-10")
        parser.add_argument(
            "--dry-run", action="store_true", help="download and check, then write nothing"
        )

    def handle(self, *args, year, month, dry_run, **options):
        try:
            fetches = ae_fetch(year=year, month=month, dry_run=dry_run, say=self.stdout.write)
        except FetchNotPossible as error:
            raise CommandError(str(error)) from error
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        failed = [f for f in fetches if f.outcome in (Fetch.Outcome.REFUSED, Fetch.Outcome.INVALID)]
        if failed:
            raise CommandError(f"{len(failed)} of {len(fetches)} fetches did not import")
