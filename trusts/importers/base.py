"""What every importer shares: reading a CSV safely (lib.tabular), checking values, upserting.

An import parses every row, collects every problem rather than stopping at the first, writes
nothing more once it has seen one, and writes inside one transaction that a problem rolls
back, so a file with any bad row leaves the database exactly as it was.
"""

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models
from django.utils import timezone

from lib.bulk import rows_insert

# The reader every format uses, named here too so that a format module imports its toolkit
# from one place.
from lib.tabular import Columns as Columns
from lib.tabular import ImportFailed as ImportFailed
from lib.tabular import Problems as Problems
from lib.tabular import RowError as RowError
from lib.tabular import Table as Table
from lib.tabular import first_line as first_line
from lib.tabular import table_chunks as table_chunks

from ..models import Organisation

MAX_FIELD_CHARS = 2_000
# What a count column holds (PostgreSQL's integer); a format states a lower maximum where
# its figures have one.
COUNT_MAX = 2_147_483_647
# Column lengths, so that an overlong value is refused by line, not by the database.
CODE_CHARS = Organisation._meta.get_field("ods_code").max_length
NAME_CHARS = Organisation._meta.get_field("name").max_length
REGION_CHARS = Organisation._meta.get_field("region").max_length
SOURCE_CHARS = Organisation._meta.get_field("source").max_length
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@")


@dataclass
class ImportResult:
    file: str
    format: str
    category: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    new_organisations: list[str] = field(default_factory=list)
    dry_run: bool = False

    def __str__(self) -> str:
        verb = "would change" if self.dry_run else "changed"
        text = (
            f"{Path(self.file).name}: {self.format}, {self.rows:,} rows; {verb}: "
            f"{self.created:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged"
        )
        if self.new_organisations:
            text += f"; new organisations: {', '.join(self.new_organisations)}"
        if self.skipped:
            text += f"; skipped: {'; '.join(self.skipped)}"
        return text


def text_value(
    raw: str,
    line: int,
    name: str,
    problems: Problems,
    *,
    required=True,
    max_length: int = MAX_FIELD_CHARS,
) -> str:
    """Text no longer than its column (`max_length`) and holding neither markup nor a formula."""
    value = raw.strip()
    if required and not value:
        problems.add(line, name, "is blank")
    elif "<" in value or ">" in value:
        # No NHS name or code holds markup; a file that does was not made by NHS systems.
        problems.add(line, name, f"{value[:60]!r} contains < or >, which no NHS name or code has")
    elif value.startswith(FORMULA_STARTS):
        problems.add(
            line,
            name,
            f"{value[:60]!r} starts with {value[0]}, as a spreadsheet formula does; "
            "no NHS name or code does",
        )
    elif len(value) > max_length:
        problems.add(line, name, f"is {len(value):,} characters long; at most {max_length:,}")
        return value[:max_length]
    return value


def count_value(
    raw: str, line: int, name: str, problems: Problems, *, required=True, maximum: int = COUNT_MAX
) -> int | None:
    """A whole number from 0 to `maximum`, written without separators."""
    value = raw.strip()
    if not value:
        if required:
            problems.add(line, name, "is blank")
        return None
    if "," in value:
        problems.add(
            line, name, f"{value!r} has a thousands separator; write {value.replace(',', '')}"
        )
        return None
    try:
        number = int(value)
    except ValueError:
        try:
            as_float = float(value)
        except ValueError:
            problems.add(line, name, f"{value!r} is not a whole number")
            return None
        if not as_float.is_integer():
            problems.add(line, name, f"{value!r} is not a whole number")
            return None
        number = int(as_float)
    if number < 0:
        problems.add(line, name, f"{number} is negative")
        return None
    if number > maximum:
        problems.add(line, name, f"{number:,} is more than {maximum:,}, the most it can be")
        return None
    return number


def dates_in_order(
    opened: dt.date | None, closed: dt.date | None, line: int, name: str, problems: Problems
) -> None:
    if opened and closed and closed < opened:
        problems.add(line, name, f"{closed} is before the open date {opened}")


@dataclass(frozen=True)
class DateRange:
    """The dates a source can hold: from its first publication to its last, or to today
    (`latest` None), or a little beyond today for dates announced ahead (`ahead`)."""

    earliest: dt.date
    latest: dt.date | None = None
    ahead: dt.timedelta = dt.timedelta(0)

    def check(
        self, day: dt.date, line: int, name: str, problems: Problems, *, shown: str = ""
    ) -> dt.date | None:
        """The date if it is in range; otherwise records why not and returns None."""
        limit = self.latest or timezone.localdate() + self.ahead
        if self.earliest <= day <= limit:
            return day
        if day > limit and self.latest is None:
            reason = (
                f"is more than {self.ahead.days} days ahead" if self.ahead else "is in the future"
            )
        else:
            reason = f"is outside {self.earliest} to {limit}, the dates this source covers"
        problems.add(line, name, f"{shown or day} {reason}")
        return None


@functools.lru_cache(maxsize=4096)
def _date_parsed(value: str, date_format: str) -> dt.date | None:
    """strptime once for each text: a file's rows repeat a few dates (every row of a monthly
    file names its month), and parsing each again was a twentieth of importing the shipped
    data."""
    try:
        return dt.datetime.strptime(value, date_format).date()  # noqa: DTZ007 - dates only
    except ValueError:
        return None


def date_value(
    raw: str,
    line: int,
    name: str,
    problems: Problems,
    *,
    formats: Sequence[str],
    within: DateRange,
    required=True,
) -> dt.date | None:
    value = raw.strip()
    if not value:
        if required:
            problems.add(line, name, "is blank")
        return None
    for date_format in formats:
        day = _date_parsed(value, date_format)
        if day is not None:
            return within.check(day, line, name, problems)
    shown = " or ".join(
        date_format.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
        for date_format in formats
    )
    problems.add(line, name, f"{value!r} is not a date written {shown}")
    return None


def duplicates_check(
    keyed_rows: Iterable[tuple[tuple, int]],
    problems: Problems,
    what: str,
    *,
    first_seen: dict[tuple, int] | None = None,
) -> None:
    """Reports each key seen on more than one line; `first_seen` (key: line), kept from one
    chunk of a file to the next, finds a key repeated from an earlier chunk."""
    first_seen = {} if first_seen is None else first_seen
    for key, line in keyed_rows:
        if key in first_seen:
            shown = ", ".join(str(part) for part in key)
            problems.add(line, what, f"duplicate of line {first_seen[key]} ({shown})")
        else:
            first_seen[key] = line


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add_to(self, result: ImportResult) -> None:
        result.created += self.created
        result.updated += self.updated
        result.unchanged += self.unchanged


def upsert(
    model: type[models.Model],
    *,
    key_fields: Sequence[str],
    rows: Iterable[dict],
    existing: Iterable[models.Model] | None = None,
    keep_existing: Callable[[models.Model, dict], bool] | None = None,
    batch_size: int = 2_000,
) -> UpsertCounts:
    """Creates missing rows and updates changed ones in bulk; unchanged rows are not touched.

    `existing` narrows which stored rows can match (defaults to all of the model's rows);
    `keep_existing(stored, new)` lets a caller refuse an update, e.g. a derived figure
    never replaces a counted one.
    """
    counts = UpsertCounts()
    stored_rows = model.objects.all() if existing is None else existing
    stored = {
        tuple(getattr(instance, name) for name in key_fields): instance for instance in stored_rows
    }
    to_create: list[dict] = []
    to_update: list[models.Model] = []
    changed_fields: set[str] = set()
    for values in rows:
        key = tuple(values[name] for name in key_fields)
        instance = stored.get(key)
        if instance is None:
            to_create.append(values)
            continue
        if keep_existing and keep_existing(instance, values):
            counts.unchanged += 1
            continue
        differing = [name for name, value in values.items() if getattr(instance, name) != value]
        if not differing:
            counts.unchanged += 1
            continue
        for name in differing:
            setattr(instance, name, values[name])
        changed_fields.update(differing)
        to_update.append(instance)
    rows_insert(model, to_create, batch_size=batch_size)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=batch_size)
    counts.created = len(to_create)
    counts.updated = len(to_update)
    return counts
