"""What every A&E format plans and writes: activity and waits by provider and period."""

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ...models import AdmissionWaits, AEActivity, Basis, DepartmentType, Grain, Organisation
from ..base import (
    Columns,
    DateRange,
    ImportResult,
    Problems,
    Table,
    count_value,
    date_value,
    text_value,
    upsert,
)
from ..formats import Format
from ..organisations import _organisations_by_code


@dataclass
class ActivityPlan:
    activity: list[dict] = field(default_factory=list)
    waits: list[dict] = field(default_factory=list)
    new_organisations: dict[str, dict] = field(default_factory=dict)
    names: list[dict] = field(default_factory=list)
    foundation_trusts: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    grain: str = Grain.MONTH
    period_starts: set[dt.date] = field(default_factory=set)
    # Where each new organisation's code was first seen: import_files refuses them, by line,
    # unless it was asked to create unknown organisations.
    new_organisation_places: dict[str, tuple[int, str]] = field(default_factory=dict)

    def organisation_new(self, values: dict, line: int, field_name: str) -> None:
        """Plans an organisation for a code no reference file lists."""
        self.new_organisations[values["ods_code"]] = values
        self.new_organisation_places[values["ods_code"]] = (line, field_name)


@dataclass
class FileSeen:
    """What the earlier chunks of a file saw, for the later ones: the first line of each key
    (to find duplicates), the stored organisations looked up, the codes of new ones, and
    whether the header was refused."""

    first_lines: dict[tuple, int] = field(default_factory=dict)
    known: dict[str, Organisation] = field(default_factory=dict)
    new_codes: set[str] = field(default_factory=set)
    header_refused: bool = False

    def organisations(self, codes: Iterable[str]) -> dict[str, Organisation]:
        """The stored organisations by code, each looked up once in a file. A code an earlier
        chunk planned as new stays new, though that chunk may have written it by now."""
        self.known.update(_organisations_by_code(set(codes) - self.known.keys() - self.new_codes))
        return self.known

    def first_sight_of_new(self, code: str) -> bool:
        """Whether `code` is of no stored organisation and new to this file; from now on it
        is not."""
        if code in self.known or code in self.new_codes:
            return False
        self.new_codes.add(code)
        return True


class IndependentRowsFormat(Format):
    """An A&E format whose rows each stand alone (a row's meaning needs no other row), so
    that import_files may give it a big file a chunk at a time."""

    streams = True

    def parse(self, table: Table, problems: Problems, seen: FileSeen | None = None):
        raise NotImplementedError

    def parser(self) -> Callable[[Table, Problems], ActivityPlan]:
        return functools.partial(self.parse, seen=FileSeen())

    def write(self, plan: ActivityPlan, result: ImportResult) -> None:
        activity_write(plan, result)


# The most one organisation reports in one period. The busiest A&E departments see about
# 40,000 attendances a month; a figure beyond this is a mistake, not a busy month.
AE_COUNT_MAX = 1_000_000


def ae_count(raw: str, line: int, name: str, problems: Problems, *, required=True) -> int | None:
    return count_value(raw, line, name, problems, required=required, maximum=AE_COUNT_MAX)


class Cells:
    """One row's cells by column name, each read with its checks: a fault is recorded
    against the row's line and the column's name."""

    def __init__(self, columns: Columns, row: Sequence[str], line: int, problems: Problems):
        self.columns, self.row, self.line, self.problems = columns, row, line, problems

    def text(self, name: str, *, max_length: int) -> str:
        raw = self.columns.value(self.row, name)
        return text_value(raw, self.line, name, self.problems, max_length=max_length)

    def date(self, name: str, date_format: str, within: DateRange) -> dt.date | None:
        raw = self.columns.value(self.row, name)
        return date_value(raw, self.line, name, self.problems, formats=[date_format], within=within)

    def count(self, name: str, *, required=True) -> int | None:
        raw = self.columns.value(self.row, name)
        return ae_count(raw, self.line, name, self.problems, required=required)


@functools.lru_cache(maxsize=4096)
def month_end(start: dt.date) -> dt.date:
    following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def period_end(grain: str, start: dt.date) -> dt.date:
    return month_end(start) if grain == Grain.MONTH else start + dt.timedelta(days=6)


def period_row(code: str, grain: str, start: dt.date, source: tuple[str, int], **values) -> dict:
    """A row of figures for one provider and period as a format plans it: keyed by ODS code
    until it is written, and by the file name and line it came from."""
    file_name, line = source
    return {
        "code": code,
        "grain": grain,
        "period_start": start,
        "period_end": period_end(grain, start),
        **values,
        "source_file": file_name,
        "source_line": line,
    }


def activity_row(
    code: str,
    grain: str,
    start: dt.date,
    department_type: str,
    basis: str,
    source: tuple[str, int],
    *,
    attendances: int,
    over_4h: int | None,
    over_4h_derived: bool = False,
    booked_attendances: int | None = None,
    booked_over_4h: int | None = None,
    emergency_admissions: int | None = None,
) -> dict:
    """One AEActivity row, with the figures a source does not give left empty."""
    return period_row(
        code,
        grain,
        start,
        source,
        department_type=department_type,
        attendances=attendances,
        over_4h=over_4h,
        basis=basis,
        over_4h_derived=over_4h_derived,
        booked_attendances=booked_attendances,
        booked_over_4h=booked_over_4h,
        emergency_admissions=emergency_admissions,
    )


def weekly_sitrep_row(code: str, week_end: dt.date, source: tuple[str, int], **figures) -> dict:
    """A type 1 week of NHS England's weekly sitreps, as the BBC's files give them."""
    start = week_end - dt.timedelta(days=6)
    return activity_row(
        code, Grain.WEEK, start, DepartmentType.TYPE_1, Basis.WEEKLY_SITREP, source, **figures
    )


def activity_write(plan: ActivityPlan, result: ImportResult, *, keep_counted=False) -> None:
    if plan.new_organisations:
        Organisation.objects.bulk_create(
            [Organisation(**values) for values in plan.new_organisations.values()]
        )
        result.created += len(plan.new_organisations)
        result.new_organisations += [
            f"{code} ({values['name']})" for code, values in plan.new_organisations.items()
        ]
    codes = {row["code"] for row in plan.activity} | {row["code"] for row in plan.waits}
    organisations = _organisations_by_code(codes)
    # Only the stored rows this plan can meet are loaded to compare: of its periods and its
    # organisations (a chunk of a big file names a few of each).
    ids = [organisation.pk for organisation in organisations.values()]
    existing = AEActivity.objects.filter(
        grain=plan.grain, period_start__in=plan.period_starts, organisation_id__in=ids
    )
    # Figures by type outrank a bare total of the same provider-month (basis_outranks).
    typed = {(row["code"], row["period_start"]) for row in plan.activity}
    totals = existing.filter(
        department_type=DepartmentType.TOTAL,
        organisation__ods_code__in={code for code, _ in typed},
    ).values_list("pk", "organisation__ods_code", "period_start")
    outranked = [pk for pk, code, start in totals if (code, start) in typed]
    if outranked:
        AEActivity.objects.filter(pk__in=outranked).delete()

    def counted_figure_stays(stored: AEActivity, new: dict) -> bool:
        # A breach count worked out from a rounded percentage never replaces a real count.
        return keep_counted and new["over_4h_derived"] and not stored.over_4h_derived

    upsert(
        AEActivity,
        key_fields=("organisation_id", "grain", "period_start", "department_type"),
        rows=[
            {"organisation_id": organisations[row.pop("code")].pk, **row} for row in plan.activity
        ],
        existing=existing,
        keep_existing=counted_figure_stays,
    ).add_to(result)
    if plan.waits:
        upsert(
            AdmissionWaits,
            key_fields=("organisation_id", "grain", "period_start"),
            rows=[
                {"organisation_id": organisations[row.pop("code")].pk, **row} for row in plan.waits
            ],
            existing=AdmissionWaits.objects.filter(
                grain=plan.grain, period_start__in=plan.period_starts, organisation_id__in=ids
            ),
        ).add_to(result)
    result.skipped += plan.skipped


# Trusts have gone on reporting for a month or two after ODS closed them (RR1 reported to
# June 2018 after closing on 1 April 2018), so only figures beyond this are refused.
LATE_REPORTING = dt.timedelta(days=92)


def open_check(
    organisation: Organisation | None, start: dt.date, line: int, name: str, problems: Problems
) -> None:
    if organisation and organisation.closed_on and start > organisation.closed_on + LATE_REPORTING:
        problems.add(
            line,
            name,
            f"{organisation.ods_code} closed on {organisation.closed_on}, so figures for "
            f"{start:%B %Y} cannot be its (is the code retired or mistyped?)",
        )


def over_4h_check(line, field_name, attendances, over_4h, problems: Problems) -> None:
    """More waiting over four hours than attended is a mistake in the file."""
    if attendances is not None and over_4h is not None and over_4h > attendances:
        problems.add(line, field_name, f"{over_4h:,} is more than the {attendances:,} attendances")
