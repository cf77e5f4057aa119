import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from trusts.selectors import STANDARD_PERCENT, league_table, types_parse
from trusts.windows import Window


class Command(BaseCommand):
    help = "Prints the A&E four-hour league table for a window, worst first."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--to", dest="end", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--type", default="all", help="1, 2, other, a list such as 1,2, or all")
        parser.add_argument("--limit", type=int, default=None)
        parser.add_argument("--kind", action="append", help="organisation kind (repeatable)")

    def handle(self, *args, start, end, type, limit, kind, **options):
        try:
            window = Window(start, end)
            types = types_parse(type)
        except ValueError as error:
            raise CommandError(str(error)) from error
        rows = league_table(window, types=types, limit=limit, kinds=kind)
        if not rows:
            raise CommandError(f"No A&E figures for type(s) {', '.join(types)} in {window}.")
        self.stdout.write(
            f"Four-hour performance, {window}, type(s) {', '.join(types)}; "
            f"the standard is {STANDARD_PERCENT}%."
        )
        self.stdout.write(
            f"{'Rank':>4}  {'Code':<6}{'Name':<62}{'Attendances':>12}{'Over 4h':>9}{'%':>8}"
        )
        for row in rows:
            self.stdout.write(
                f"{row.rank:>4}  {row.ods_code:<6}{row.name[:60]:<62}"
                f"{row.attendances:>12,}{row.over_4h:>9,}{row.percent:>8}"
            )
