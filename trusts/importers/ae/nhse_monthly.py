"""NHS England's monthly A&E CSV by provider (MSitAE), 2010 onwards, mapped by column name."""

import datetime as dt
import functools
import re

from ...models import Basis, DepartmentType, Grain, Organisation
from ..base import (
    CODE_CHARS,
    NAME_CHARS,
    REGION_CHARS,
    Columns,
    DateRange,
    Problems,
    Table,
    duplicates_check,
    text_value,
)
from ..formats import header_has
from ..organisations import display_name
from .activity import (
    ActivityPlan,
    Cells,
    FileSeen,
    IndependentRowsFormat,
    activity_row,
    open_check,
    over_4h_check,
    period_row,
)

TYPE_LABELS = {
    DepartmentType.TYPE_1: "Type 1",
    DepartmentType.TYPE_2: "Type 2",
    DepartmentType.OTHER: "Other",
}


class NhseMonthly(IndependentRowsFormat):
    """NHS England's monthly A&E CSV by provider (MSitAE), mapped by column name."""

    label = "NHS England monthly A&E CSV"
    category = "ae"
    # The 2019-2024 layout, as tests and the benchmark write it.
    EXAMPLE_HEADER = (
        "Period,Org Code,Parent Org,Org name,A&E attendances Type 1,A&E attendances Type 2,"
        "A&E attendances Other A&E Department,Attendances over 4hrs Type 1,"
        "Attendances over 4hrs Type 2,Attendances over 4hrs Other Department,"
        "Patients who have waited 4-12 hs from DTA to admission,"
        "Patients who have waited 12+ hrs from DTA to admission,"
        "Emergency admissions via A&E - Type 1,Emergency admissions via A&E - Type 2,"
        "Emergency admissions via A&E - Other A&E department,Other emergency admissions"
    )
    REQUIRED = (
        "Period",
        "Org Code",
        "Org name",
        "A&E attendances Type 1",
        "A&E attendances Type 2",
        "A&E attendances Other A&E Department",
        "Attendances over 4hrs Type 1",
        "Attendances over 4hrs Type 2",
        "Attendances over 4hrs Other Department",
    )
    COLUMNS = {
        DepartmentType.TYPE_1: (
            "A&E attendances Type 1",
            "Attendances over 4hrs Type 1",
            "A&E attendances Booked Appointments Type 1",
            "Attendances over 4hrs Booked Appointments Type 1",
            "Emergency admissions via A&E - Type 1",
        ),
        DepartmentType.TYPE_2: (
            "A&E attendances Type 2",
            "Attendances over 4hrs Type 2",
            "A&E attendances Booked Appointments Type 2",
            "Attendances over 4hrs Booked Appointments Type 2",
            "Emergency admissions via A&E - Type 2",
        ),
        DepartmentType.OTHER: (
            "A&E attendances Other A&E Department",
            "Attendances over 4hrs Other Department",
            "A&E attendances Booked Appointments Other Department",
            "Attendances over 4hrs Booked Appointments Other Department",
            "Emergency admissions via A&E - Other A&E department",
        ),
    }
    WAITS = (
        ("dta_4_to_12h", "Patients who have waited 4-12 hs from DTA to admission"),
        ("dta_over_12h", "Patients who have waited 12+ hrs from DTA to admission"),
        ("other_emergency_admissions", "Other emergency admissions"),
    )
    PERIOD = re.compile(r"MSitAE-([A-Za-z]+)-(\d{4})")
    # NHS England's monthly A&E statistics begin with August 2010.
    MONTHS = DateRange(dt.date(2010, 8, 1))

    def matches(self, header: list[str]) -> bool:
        return header_has(header, "Period", "Org Code", "A&E attendances Type 1")

    def parse(self, table: Table, problems: Problems, seen: FileSeen | None = None) -> ActivityPlan:
        seen = seen or FileSeen()
        columns = Columns(table.header)
        missing = columns.missing(self.REQUIRED)
        if missing:
            if not seen.header_refused:  # once, not again with each chunk
                problems.add(1, "header", f"missing columns: {', '.join(missing)}")
                seen.header_refused = True
            return ActivityPlan()
        has_booked = columns.has(self.COLUMNS[DepartmentType.TYPE_1][2])
        plan = ActivityPlan(grain=Grain.MONTH)
        known = seen.organisations(columns.value(row, "Org Code") for _, row in table.rows)
        keys = []
        for line, row in table.rows:
            cells = Cells(columns, row, line, problems)
            period_text = columns.value(row, "Period")
            code = columns.value(row, "Org Code")
            # NHS England spells the England total row several ways (TOTAL, Total, TOTAl).
            if period_text.casefold() == "total" or code.casefold() == "total":
                continue
            code = text_value(code, line, "Org Code", problems, max_length=CODE_CHARS)
            start = self._period(period_text, line, problems)
            if start is None or not code:
                continue
            keys.append(((code, start), line))
            plan.period_starts.add(start)
            open_check(known.get(code), start, line, "Org Code", problems)
            if seen.first_sight_of_new(code):
                name = cells.text("Org name", max_length=NAME_CHARS)
                region = text_value(
                    columns.value(row, "Parent Org").removeprefix("NHS ENGLAND "),
                    line,
                    "Parent Org",
                    problems,
                    required=False,
                    max_length=REGION_CHARS,
                )
                plan.organisation_new(
                    {
                        "ods_code": code,
                        "name": display_name(name),
                        "kind": Organisation.Kind.OTHER_PROVIDER,
                        "region": display_name(region),
                        "source": f"NHS England monthly A&E ({table.name})",
                    },
                    line,
                    "Org Code",
                )
            for department_type, names in self.COLUMNS.items():
                self._department(
                    plan, cells, (code, start), department_type, names, has_booked, table.name
                )
            waits = {
                attribute: cells.count(name, required=False)
                for attribute, name in self.WAITS
                if columns.has(name)
            }
            if any(waits.values()):
                plan.waits.append(period_row(code, Grain.MONTH, start, (table.name, line), **waits))
        duplicates_check(keys, problems, "Org Code", first_seen=seen.first_lines)
        return plan

    def _period(self, text: str, line: int, problems: Problems) -> dt.date | None:
        start = self._period_start(text.strip())
        if start is None:
            problems.add(line, "Period", f"{text!r} is not a period like MSitAE-AUGUST-2025")
            return None
        return self.MONTHS.check(start, line, "Period", problems, shown=f"{start:%B %Y}")

    @classmethod
    @functools.lru_cache(maxsize=1024)
    def _period_start(cls, text: str) -> dt.date | None:
        match = cls.PERIOD.fullmatch(text)
        if match:
            try:
                month = dt.datetime.strptime(match.group(1).title(), "%B").month  # noqa: DTZ007
                return dt.date(int(match.group(2)), month, 1)
            except ValueError:
                pass
        return None

    def _department(
        self,
        plan: ActivityPlan,
        cells: Cells,
        provider_month: tuple[str, dt.date],
        department_type: str,
        names: tuple[str, ...],
        has_booked: bool,
        table_name: str,
    ) -> None:
        code, start = provider_month
        line, problems = cells.line, cells.problems
        attendance_col, over_col, booked_col, booked_over_col, admissions_col = names
        attendances = cells.count(attendance_col)
        over_4h = cells.count(over_col)
        booked = booked_over = None
        if has_booked:
            booked = cells.count(booked_col)
            booked_over = cells.count(booked_over_col)
        admissions = cells.count(admissions_col, required=False)
        label = TYPE_LABELS[department_type]
        over_4h_check(line, f"over 4 hours {label}", attendances, over_4h, problems)
        over_4h_check(line, f"over 4 hours booked {label}", booked, booked_over, problems)
        if attendances is None or over_4h is None:
            return
        total = attendances + (booked or 0)
        if not total and not admissions:
            return  # a department type the provider does not run
        plan.activity.append(
            activity_row(
                code,
                Grain.MONTH,
                start,
                department_type,
                Basis.OFFICIAL_MONTHLY,
                (table_name, line),
                # Performance counts booked appointments, as NHS England's headline does.
                attendances=total,
                over_4h=over_4h + (booked_over or 0),
                booked_attendances=booked,
                booked_over_4h=booked_over,
                emergency_admissions=admissions,
            )
        )
