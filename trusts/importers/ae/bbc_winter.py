"""The BBC's winter 2014-15 weekly sitrep file: type 1 A&E with codes and trolley waits."""

import datetime as dt

from ...models import Grain, Organisation
from ..base import (
    CODE_CHARS,
    NAME_CHARS,
    Columns,
    DateRange,
    ImportResult,
    Problems,
    Table,
    duplicates_check,
)
from ..formats import Format, header_has
from ..organisations import _organisations_by_code, display_name
from .activity import (
    ActivityPlan,
    Cells,
    activity_write,
    over_4h_check,
    period_row,
    weekly_sitrep_row,
)
from .names import names_seen, names_write

WINTER_NAMES_SOURCE = "BBC winter 2014-15 sitrep file"


class BbcWinter(Format):
    """Weekly type 1 A&E with codes and winter sitrep fields, November 2014 to March 2015."""

    label = "BBC winter 2014-15 weekly sitrep with codes"
    category = "ae"
    FIELDS = (
        "week_ending",
        "code",
        "name",
        "attendances_at_ane",
        "patients_waiting_over_4hrs_tobe_admitted",
        "emergency_admissions",
        "trolley_wait_4_to_12hrs",
    )
    # From week 9 the BBC's trolley-wait column holds the over-12-hour waits instead.
    TWELVE_HOUR_WAITS_FROM = dt.date(2015, 1, 4)
    WEEK_ENDS = DateRange(dt.date(2014, 11, 1), dt.date(2015, 3, 31))

    def matches(self, header: list[str]) -> bool:
        return header_has(header, *self.FIELDS)

    def parse(self, table: Table, problems: Problems) -> ActivityPlan:
        columns = Columns(table.header)
        plan = ActivityPlan(grain=Grain.WEEK)
        known = _organisations_by_code({columns.value(row, "code") for _, row in table.rows})
        seen_names: dict[tuple[str, str], list[dt.date]] = {}
        keys = []
        for line, row in table.rows:
            cells = Cells(columns, row, line, problems)
            code = cells.text("code", max_length=CODE_CHARS)
            name = cells.text("name", max_length=NAME_CHARS)
            week_end = cells.date("week_ending", "%Y-%m-%d", self.WEEK_ENDS)
            attendances = cells.count("attendances_at_ane")
            # Despite its name this column is the type 1 breach count (data/SOURCES.md, file 3).
            breaches = cells.count("patients_waiting_over_4hrs_tobe_admitted")
            admissions = cells.count("emergency_admissions", required=False)
            trolley = cells.count("trolley_wait_4_to_12hrs", required=False)
            over_4h_check(line, "over 4 hours (breaches)", attendances, breaches, problems)
            if code and code not in known and code not in plan.new_organisations:
                plan.organisation_new(
                    {
                        "ods_code": code,
                        "name": display_name(name),
                        "kind": Organisation.Kind.OTHER_PROVIDER,
                        "source": f"BBC winter 2014-15 sitrep file ({table.name})",
                    },
                    line,
                    "code",
                )
            if week_end and week_end.weekday() != 6:
                problems.add(line, "week_ending", f"{week_end} is not a Sunday")
                continue
            keys.append(((code, week_end), line))
            if None in (week_end, attendances, breaches) or not code:
                continue
            start = week_end - dt.timedelta(days=6)
            plan.period_starts.add(start)
            seen_names.setdefault((code, name), []).append(week_end)
            plan.activity.append(
                weekly_sitrep_row(
                    code,
                    week_end,
                    (table.name, line),
                    attendances=attendances,
                    over_4h=breaches,
                    emergency_admissions=admissions,
                )
            )
            twelve = week_end >= self.TWELVE_HOUR_WAITS_FROM
            plan.waits.append(
                period_row(
                    code,
                    Grain.WEEK,
                    start,
                    (table.name, line),
                    dta_4_to_12h=None if twelve else trolley,
                    dta_over_12h=trolley if twelve else None,
                    other_emergency_admissions=None,
                )
            )
        duplicates_check(keys, problems, "week_ending, code")
        plan.names = names_seen(seen_names, WINTER_NAMES_SOURCE)
        return plan

    def write(self, plan: ActivityPlan, result: ImportResult) -> None:
        activity_write(plan, result)
        names_write(plan.names, result)
