import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from funding.audit import audit_trail
from lib.csv_output import csv_lines


class Command(BaseCommand):
    help = (
        "Writes who changed what and when (funds, rules, tranches, uploads, users, tokens) as CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=dt.date.fromisoformat, help="only changes from this date (YYYY-MM-DD)"
        )

    def handle(self, *args, since, **options):
        start = timezone.make_aware(dt.datetime.combine(since, dt.time.min)) if since else None
        for chunk in csv_lines(audit_trail(since=start)):
            self.stdout.write(chunk, ending="")
