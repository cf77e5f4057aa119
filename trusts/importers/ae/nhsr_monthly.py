"""The NHS-R community's monthly `ae_attendances` table (2016-04 to 2019-03), by ODS code."""

import datetime as dt

from ...models import Basis, DepartmentType, Grain, Organisation
from ..base import (
    CODE_CHARS,
    Columns,
    DateRange,
    Problems,
    Table,
    duplicates_check,
)
from ..formats import header_has
from .activity import (
    ActivityPlan,
    Cells,
    FileSeen,
    IndependentRowsFormat,
    activity_row,
    open_check,
    over_4h_check,
)


class NhsrMonthly(IndependentRowsFormat):
    """The NHS-R community's `ae_attendances` table (2016-04 to 2019-03)."""

    label = "NHS-R monthly ae_attendances"
    category = "ae"
    FIELDS = ("period", "org_code", "type", "attendances", "breaches", "admissions")
    TYPES = {"1": DepartmentType.TYPE_1, "2": DepartmentType.TYPE_2, "other": DepartmentType.OTHER}
    MONTHS = DateRange(dt.date(2016, 4, 1), dt.date(2019, 3, 1))

    def matches(self, header: list[str]) -> bool:
        return header_has(header, *self.FIELDS)

    def parse(self, table: Table, problems: Problems, seen: FileSeen | None = None) -> ActivityPlan:
        columns = Columns(table.header)
        plan = ActivityPlan(grain=Grain.MONTH)
        seen = seen or FileSeen()
        known = seen.organisations(columns.value(row, "org_code") for _, row in table.rows)
        keys = []
        for line, row in table.rows:
            cells = Cells(columns, row, line, problems)
            code = cells.text("org_code", max_length=CODE_CHARS)
            start = cells.date("period", "%Y-%m-%d", self.MONTHS)
            if start and start.day != 1:
                problems.add(line, "period", f"{start} is not the first day of a month")
            type_text = columns.value(row, "type").casefold()
            department_type = self.TYPES.get(type_text)
            if department_type is None:
                problems.add(line, "type", f"{type_text!r} is not 1, 2 or other")
            attendances = cells.count("attendances")
            breaches = cells.count("breaches")
            admissions = cells.count("admissions", required=False)
            over_4h_check(line, "over 4 hours (breaches)", attendances, breaches, problems)
            keys.append(((code, start, department_type), line))
            if None in (start, department_type, attendances, breaches) or not code:
                continue
            open_check(known.get(code), start, line, "org_code", problems)
            if seen.first_sight_of_new(code):
                plan.organisation_new(
                    {
                        "ods_code": code,
                        "name": f"Provider {code}",
                        "kind": Organisation.Kind.OTHER_PROVIDER,
                        "source": f"NHS-R ae_attendances ({table.name}); the source gives no name",
                    },
                    line,
                    "org_code",
                )
            plan.period_starts.add(start)
            plan.activity.append(
                activity_row(
                    code,
                    Grain.MONTH,
                    start,
                    department_type,
                    Basis.NHSR,
                    (table.name, line),
                    attendances=attendances,
                    over_4h=breaches,
                    emergency_admissions=admissions,
                )
            )
        duplicates_check(keys, problems, "period, org_code, type", first_seen=seen.first_lines)
        return plan
