import csv
import datetime as dt
from unittest import TestCase

from django.conf import settings

from sources.links import financial_year_of, month_in, monthly_csv_links

FOLDERS = ("nhse_monthly_ae_csv_2020-2026", "nhse_monthly_ae_csv_2025")


def period_inside(path) -> dt.date:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        row = next(csv.DictReader(handle))
    return dt.datetime.strptime(row["Period"].split("-", 1)[1].title(), "%B-%Y").date()


class MonthFromNameTest(TestCase):
    def test_every_shipped_name_gives_the_month_its_period_column_holds(self):
        paths = [p for folder in FOLDERS for p in (settings.DATA_DIR / folder).glob("*.csv")]
        self.assertEqual(len(paths), 77)
        for path in paths:
            with self.subTest(path.name):
                self.assertEqual(month_in(path.name), period_inside(path))

    def test_it_reads_link_text_when_the_name_has_no_month(self):
        self.assertEqual(month_in("Monthly A&E October 2025 (CSV, 52KB)"), dt.date(2025, 10, 1))
        self.assertIsNone(month_in("Monthly-AE-Time-Series.csv"))

    def test_financial_years_start_in_april(self):
        self.assertEqual(financial_year_of(dt.date(2026, 3, 1)), "2025-26")
        self.assertEqual(financial_year_of(dt.date(2026, 4, 1)), "2026-27")


class LinksOnAPageTest(TestCase):
    PAGE = """
      <a href="/statistical/wp-content/uploads/sites/2/2025/11/October-2025-CSV-hg6dl.csv">
        Monthly A&amp;E October 2025 (CSV, 52KB)</a>
      <a href="https://www.england.nhs.uk/x/Monthly-AE-Time-Series-October-2025.xls">XLS</a>
      <a href="files/Monthly-AE-April-2025.csv">Monthly A&amp;E April 2025</a>
      <a href="files/April-2025-CSV-revised.csv">Monthly A&amp;E April 2025 (revised)</a>
      <a href="files/data.csv">Monthly A&amp;E May 2025 (CSV)</a>
      <a href="/about/">About</a>
    """

    def test_it_finds_one_csv_per_month_preferring_a_revision(self):
        links = monthly_csv_links(self.PAGE, page_url="https://www.england.nhs.uk/stats/ae/")
        self.assertEqual(
            [(link.month, link.url) for link in links],
            [
                (
                    dt.date(2025, 4, 1),
                    "https://www.england.nhs.uk/stats/ae/files/April-2025-CSV-revised.csv",
                ),
                (dt.date(2025, 5, 1), "https://www.england.nhs.uk/stats/ae/files/data.csv"),
                (
                    dt.date(2025, 10, 1),
                    "https://www.england.nhs.uk/statistical/wp-content/uploads/sites/2/2025/11/"
                    "October-2025-CSV-hg6dl.csv",
                ),
            ],
        )
        self.assertEqual(links[2].name, "October-2025-CSV-hg6dl.csv")
