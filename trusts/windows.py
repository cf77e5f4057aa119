"""Reporting windows: weeks, months, quarters and NHS financial years (April to March)."""

import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Window:
    start: dt.date
    end: dt.date
    label: str = ""

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"the window ends ({self.end}) before it starts ({self.start})")

    def __str__(self) -> str:
        return self.label or f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"


def month_window(year: int, month: int) -> Window:
    start = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return Window(start, following - dt.timedelta(days=1), f"{start:%B %Y}")


def financial_year_window(start_year: int) -> Window:
    return Window(
        dt.date(start_year, 4, 1),
        dt.date(start_year + 1, 3, 31),
        f"{start_year}-{(start_year + 1) % 100:02d}",
    )


def financial_quarter_window(start_year: int, quarter: int) -> Window:
    """Q1 is April to June; "2012-13 Q4" is January to March 2013."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter {quarter} is not 1 to 4")
    first_month = 4 + 3 * (quarter - 1)
    year = start_year + (first_month - 1) // 12
    month = (first_month - 1) % 12 + 1
    start = dt.date(year, month, 1)
    end = month_window(year, month + 2).end
    return Window(start, end, f"{start_year}-{(start_year + 1) % 100:02d} Q{quarter}")


FINANCIAL_YEAR = re.compile(r"(\d{4})-(\d{2})")
FINANCIAL_QUARTER = re.compile(r"(\d{4})-(\d{2}) ?Q([1-4])")


def window_parse(text: str) -> Window:
    """Reads "2012-13", "2012-13 Q4", "2013-01" (a month) or "2013-01-01,2013-03-31"."""
    text = text.strip()
    if match := FINANCIAL_QUARTER.fullmatch(text):
        start_year = _checked_financial_year(match.group(1), match.group(2), text)
        return financial_quarter_window(start_year, int(match.group(3)))
    if "," in text:
        first, last = (part.strip() for part in text.split(",", 1))
        return Window(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
    if re.fullmatch(r"\d{4}-\d{2}", text):
        year, second = int(text[:4]), int(text[5:])
        if second == (year + 1) % 100:
            return financial_year_window(year)
        if 1 <= second <= 12:
            return month_window(year, second)
    raise ValueError(
        f"{text!r} is not a window: write 2012-13, 2012-13 Q4, 2013-01 or 2013-01-01,2013-03-31"
    )


def _checked_financial_year(first: str, second: str, text: str) -> int:
    start_year = int(first)
    if int(second) != (start_year + 1) % 100:
        raise ValueError(f"{text!r}: a financial year runs from one year into the next")
    return start_year


def financial_year_of(day: dt.date) -> str:
    start_year = day.year if day.month >= 4 else day.year - 1
    return f"{start_year}-{(start_year + 1) % 100:02d}"
