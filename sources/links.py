"""Finding the monthly provider CSVs on an NHS England landing page. PURE: no Django.

NHS England names its files by hand, so no pattern fits them all
(`Monthly-AE-April-2025.csv`, `August-2025-CSV-g5tyh-v2.0.csv`,
`April-2023-revised-130624-defv1.csv`, `September-2025-Csv-7hjr2.csv`); what every one
carries is the month's name and its year, in the file name or at least in the link text.
"""

import datetime as dt
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
MONTH_YEAR = re.compile(r"(?<![a-z])(" + "|".join(MONTHS) + r")[\s_\-]*((?:19|20)\d\d)(?!\d)")


@dataclass(frozen=True)
class MonthlyLink:
    month: dt.date  # the first day of the month the file's figures are for
    url: str
    name: str  # the file name, as the importer records it
    text: str

    @property
    def is_revised(self) -> bool:
        return "revised" in self.name.casefold()


def month_in(text: str) -> dt.date | None:
    """The month a name or link text is about ("August-2025-CSV-g5tyh" is August 2025)."""
    match = MONTH_YEAR.search(text.casefold())
    if match is None:
        return None
    return dt.date(int(match.group(2)), MONTHS.index(match.group(1)) + 1, 1)


def financial_year_of(month: dt.date) -> str:
    """'2025-26' for any month from April 2025 to March 2026."""
    start = month.year if month.month >= 4 else month.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.anchors.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def monthly_csv_links(html: str, *, page_url: str) -> list[MonthlyLink]:
    """One link per month: the CSVs on the page whose name or text names a month.

    Where a page lists more than one file for a month, a revised one wins, then the later
    one on the page (NHS England adds revisions below the original)."""
    parser = _Anchors()
    parser.feed(html)
    chosen: dict[dt.date, MonthlyLink] = {}
    for href, text in parser.anchors:
        url = urljoin(page_url, href.strip())
        name = unquote(PurePosixPath(urlsplit(url).path).name)
        if not name.casefold().endswith(".csv"):
            continue
        month = month_in(name) or month_in(text)
        if month is None:
            continue
        link = MonthlyLink(month=month, url=url, name=name, text=text)
        held = chosen.get(month)
        if held is None or link.is_revised or not held.is_revised:
            chosen[month] = link
    return [chosen[month] for month in sorted(chosen)]
