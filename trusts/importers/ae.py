"""A&E activity: NHS England's monthly CSVs, the NHS-R monthly table, the BBC weekly series."""

import csv
import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings

from ..models import (
    AdmissionWaits,
    AEActivity,
    Basis,
    DepartmentType,
    FoundationTrustStatus,
    Grain,
    Organisation,
    OrganisationName,
    normalise_name,
)
from .base import (
    CODE_CHARS,
    NAME_CHARS,
    REGION_CHARS,
    Columns,
    DateRange,
    ImportResult,
    Problems,
    Table,
    count_value,
    date_value,
    duplicates_check,
    text_value,
    upsert,
)
from .formats import Format, header_has
from .organisations import _names_upsert, _organisations_by_code, display_name

ALIASES_PATH = settings.BASE_DIR / "trusts" / "data" / "name_aliases.csv"
WEEKLY_NAMES_SOURCE = "BBC weekly A&E series"
WINTER_NAMES_SOURCE = "BBC winter 2014-15 sitrep file"
FT_FROM_NAMES_SOURCE = "Inferred from trust names in the weekly A&E series"
TYPE_LABELS = {
    DepartmentType.TYPE_1: "Type 1",
    DepartmentType.TYPE_2: "Type 2",
    DepartmentType.OTHER: "Other",
}


def shown_spelling(name: str) -> str:
    """A name as the weekly files spell it ("Coventry And WarWiCkshire", "King's Lynn.") in
    the case and punctuation of the official files; it still matches, since matching ignores
    case and punctuation (normalise_name)."""
    return display_name(name.upper()).rstrip(" .")


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


# The most one organisation reports in one period. The busiest A&E departments see about
# 40,000 attendances a month; a figure beyond this is a mistake, not a busy month.
AE_COUNT_MAX = 1_000_000


def ae_count(raw: str, line: int, name: str, problems: Problems, *, required=True) -> int | None:
    return count_value(raw, line, name, problems, required=required, maximum=AE_COUNT_MAX)


@functools.lru_cache(maxsize=4096)
def month_end(start: dt.date) -> dt.date:
    following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _activity_write(plan: ActivityPlan, result: ImportResult, *, keep_counted=False) -> None:
    if plan.new_organisations:
        Organisation.objects.bulk_create(
            [Organisation(**values) for values in plan.new_organisations.values()]
        )
        result.created += len(plan.new_organisations)
        result.new_organisations = [
            f"{code} ({values['name']})" for code, values in plan.new_organisations.items()
        ]
    codes = {row["code"] for row in plan.activity} | {row["code"] for row in plan.waits}
    organisations = _organisations_by_code(codes)
    existing = AEActivity.objects.filter(grain=plan.grain, period_start__in=plan.period_starts)
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
                grain=plan.grain, period_start__in=plan.period_starts
            ),
        ).add_to(result)
    result.skipped = plan.skipped


# Trusts have gone on reporting for a month or two after ODS closed them (RR1 reported to
# June 2018 after closing on 1 April 2018), so only figures beyond this are refused.
LATE_REPORTING = dt.timedelta(days=92)


def _open_check(
    organisation: Organisation | None, start: dt.date, line: int, name: str, problems: Problems
) -> None:
    if organisation and organisation.closed_on and start > organisation.closed_on + LATE_REPORTING:
        problems.add(
            line,
            name,
            f"{organisation.ods_code} closed on {organisation.closed_on}, so figures for "
            f"{start:%B %Y} cannot be its (is the code retired or mistyped?)",
        )


def _counts_check(line, label, attendances, over_4h, problems: Problems) -> None:
    if attendances is not None and over_4h is not None and over_4h > attendances:
        problems.add(
            line,
            f"over 4 hours {label}",
            f"{over_4h:,} is more than the {attendances:,} attendances",
        )


class NhseMonthly(Format):
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

    def parse(self, table: Table, problems: Problems) -> ActivityPlan:
        columns = Columns(table.header)
        missing = columns.missing(self.REQUIRED)
        if missing:
            problems.add(1, "header", f"missing columns: {', '.join(missing)}")
            return ActivityPlan()
        has_booked = columns.has(self.COLUMNS[DepartmentType.TYPE_1][2])
        plan = ActivityPlan(grain=Grain.MONTH)
        codes = {columns.value(row, "Org Code") for _, row in table.rows}
        known = _organisations_by_code(codes)
        keys = []
        for line, row in table.rows:
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
            _open_check(known.get(code), start, line, "Org Code", problems)
            if code not in known and code not in plan.new_organisations:
                name = text_value(
                    columns.value(row, "Org name"),
                    line,
                    "Org name",
                    problems,
                    max_length=NAME_CHARS,
                )
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
                    plan,
                    row,
                    line,
                    columns,
                    problems,
                    code,
                    start,
                    department_type,
                    names,
                    has_booked,
                    table.name,
                )
            waits = {
                attribute: ae_count(columns.value(row, name), line, name, problems, required=False)
                for attribute, name in self.WAITS
                if columns.has(name)
            }
            if any(waits.values()):
                plan.waits.append(
                    {
                        "code": code,
                        "grain": Grain.MONTH,
                        "period_start": start,
                        "period_end": month_end(start),
                        "source_file": table.name,
                        "source_line": line,
                        **waits,
                    }
                )
        duplicates_check(keys, problems, "Org Code")
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
        plan,
        row,
        line,
        columns,
        problems,
        code,
        start,
        department_type,
        names,
        has_booked,
        file_name,
    ) -> None:
        attendance_col, over_col, booked_col, booked_over_col, admissions_col = names
        attendances = ae_count(columns.value(row, attendance_col), line, attendance_col, problems)
        over_4h = ae_count(columns.value(row, over_col), line, over_col, problems)
        booked = booked_over = None
        if has_booked:
            booked = ae_count(columns.value(row, booked_col), line, booked_col, problems)
            booked_over = ae_count(
                columns.value(row, booked_over_col), line, booked_over_col, problems
            )
        admissions = ae_count(
            columns.value(row, admissions_col), line, admissions_col, problems, required=False
        )
        _counts_check(line, TYPE_LABELS[department_type], attendances, over_4h, problems)
        _counts_check(line, f"booked {TYPE_LABELS[department_type]}", booked, booked_over, problems)
        if attendances is None or over_4h is None:
            return
        total = attendances + (booked or 0)
        if not total and not admissions:
            return  # a department type the provider does not run
        plan.activity.append(
            {
                "code": code,
                "grain": Grain.MONTH,
                "period_start": start,
                "period_end": month_end(start),
                "department_type": department_type,
                # Performance counts booked appointments, as NHS England's headline does.
                "attendances": total,
                "over_4h": over_4h + (booked_over or 0),
                "over_4h_derived": False,
                "booked_attendances": booked,
                "booked_over_4h": booked_over,
                "emergency_admissions": admissions,
                "source_file": file_name,
                "source_line": line,
            }
        )

    def write(self, plan: ActivityPlan, result: ImportResult) -> None:
        _activity_write(plan, result)


class NhsrMonthly(Format):
    """The NHS-R community's `ae_attendances` table (2016-04 to 2019-03)."""

    label = "NHS-R monthly ae_attendances"
    category = "ae"
    FIELDS = ("period", "org_code", "type", "attendances", "breaches", "admissions")
    TYPES = {"1": DepartmentType.TYPE_1, "2": DepartmentType.TYPE_2, "other": DepartmentType.OTHER}
    MONTHS = DateRange(dt.date(2016, 4, 1), dt.date(2019, 3, 1))

    def matches(self, header: list[str]) -> bool:
        return header_has(header, *self.FIELDS)

    def parse(self, table: Table, problems: Problems) -> ActivityPlan:
        columns = Columns(table.header)
        plan = ActivityPlan(grain=Grain.MONTH)
        known = _organisations_by_code({columns.value(row, "org_code") for _, row in table.rows})
        keys = []
        for line, row in table.rows:
            code = text_value(
                columns.value(row, "org_code"), line, "org_code", problems, max_length=CODE_CHARS
            )
            start = date_value(
                columns.value(row, "period"),
                line,
                "period",
                problems,
                formats=["%Y-%m-%d"],
                within=self.MONTHS,
            )
            if start and start.day != 1:
                problems.add(line, "period", f"{start} is not the first day of a month")
            type_text = columns.value(row, "type").casefold()
            department_type = self.TYPES.get(type_text)
            if department_type is None:
                problems.add(line, "type", f"{type_text!r} is not 1, 2 or other")
            attendances = ae_count(columns.value(row, "attendances"), line, "attendances", problems)
            breaches = ae_count(columns.value(row, "breaches"), line, "breaches", problems)
            admissions = ae_count(
                columns.value(row, "admissions"), line, "admissions", problems, required=False
            )
            _counts_check(line, "(breaches)", attendances, breaches, problems)
            keys.append(((code, start, department_type), line))
            if None in (start, department_type, attendances, breaches) or not code:
                continue
            _open_check(known.get(code), start, line, "org_code", problems)
            if code not in known and code not in plan.new_organisations:
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
                {
                    "code": code,
                    "grain": Grain.MONTH,
                    "period_start": start,
                    "period_end": month_end(start),
                    "department_type": department_type,
                    "attendances": attendances,
                    "over_4h": breaches,
                    "basis": Basis.NHSR,
                    "over_4h_derived": False,
                    "booked_attendances": None,
                    "booked_over_4h": None,
                    "emergency_admissions": admissions,
                    "source_file": table.name,
                    "source_line": line,
                }
            )
        duplicates_check(keys, problems, "period, org_code, type")
        return plan

    def write(self, plan: ActivityPlan, result: ImportResult) -> None:
        _activity_write(plan, result)


@dataclass(frozen=True)
class Alias:
    name: str
    ods_code: str  # blank: a row we know we cannot attribute
    valid_from: dt.date | None
    valid_to: dt.date | None
    note: str

    def covers(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


def aliases_load() -> dict[str, list[Alias]]:
    """The alias table we maintain for names the reference files do not carry."""
    table: dict[str, list[Alias]] = {}
    with ALIASES_PATH.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            alias = Alias(
                name=row["name"],
                ods_code=row["ods_code"].strip(),
                valid_from=dt.date.fromisoformat(row["valid_from"]) if row["valid_from"] else None,
                valid_to=dt.date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                note=row["note"],
            )
            table.setdefault(normalise_name(alias.name), []).append(alias)
    return table


class NameMatcher:
    """Finds the organisation a name meant on a date: stored names first, then aliases."""

    def __init__(self):
        self.names: dict[str, list[OrganisationName]] = {}
        for name in OrganisationName.objects.select_related("organisation"):
            self.names.setdefault(name.normalised, []).append(name)
        self.aliases = aliases_load()

    def match(self, name: str, day: dt.date) -> tuple[str | None, str]:
        """(ods_code, "") if found; (None, "skip") for a known unattributable name;
        (None, reason) otherwise."""
        key = normalise_name(name)
        candidates = [
            stored
            for stored in self.names.get(key, ())
            if stored.organisation.kind != Organisation.Kind.CCG
        ]
        codes = {stored.organisation.ods_code for stored in candidates if stored.is_valid_on(day)}
        if not codes:
            # A name seen for one code in another period still identifies it, unless
            # it was used by more than one organisation.
            codes = {stored.organisation.ods_code for stored in candidates}
        for alias in self.aliases.get(key, ()):
            if alias.covers(day):
                if not alias.ods_code:
                    return None, "skip"
                codes.add(alias.ods_code)
        if len(codes) == 1:
            return codes.pop(), ""
        if len(codes) > 1:
            return None, f"matches more than one organisation ({', '.join(sorted(codes))})"
        return None, ""

    def closest(self, name: str) -> list[str]:
        known = {
            stored.name
            for names in self.names.values()
            for stored in names
            if stored.organisation.kind != Organisation.Kind.CCG
        }
        folded = {normalise_name(candidate): candidate for candidate in known}
        return [
            folded[key]
            for key in difflib.get_close_matches(normalise_name(name), folded, n=3, cutoff=0.6)
        ]


def _percent(raw: str, line: int, problems: Problems) -> Decimal | None:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        problems.add(line, "patients_seen_in_four_hours", f"{raw!r} is not a percentage")
        return None
    if not 0 <= value <= 100:
        problems.add(line, "patients_seen_in_four_hours", f"{value} is not between 0 and 100")
        return None
    return value


class BbcWeekly(Format):
    """Weekly type 1 A&E by trust name, November 2010 to December 2014 (BBC, from NHS England)."""

    label = "BBC weekly type 1 A&E by trust name"
    category = "ae"
    FIELDS = (
        "name",
        "patients_seen_in_four_hours",
        "attendances_at_ane",
        "emergency_admissions_via_type_1_ae",
        "analysisdate",
    )
    WEEK_ENDS = DateRange(dt.date(2010, 11, 1), dt.date(2014, 12, 31))

    def matches(self, header: list[str]) -> bool:
        return header_has(header, *self.FIELDS)

    def parse(self, table: Table, problems: Problems) -> ActivityPlan:
        columns = Columns(table.header)
        matcher = NameMatcher()
        plan = ActivityPlan(grain=Grain.WEEK)
        unmatched: dict[str, int] = {}
        seen_names: dict[tuple[str, str], list[dt.date]] = {}
        skipped = 0
        keys = []
        for line, row in table.rows:
            name = text_value(
                columns.value(row, "name"), line, "name", problems, max_length=NAME_CHARS
            )
            week_end = date_value(
                columns.value(row, "analysisdate"),
                line,
                "analysisdate",
                problems,
                formats=["%Y.%m.%d"],
                within=self.WEEK_ENDS,
            )
            percent = _percent(columns.value(row, "patients_seen_in_four_hours"), line, problems)
            attendances = ae_count(
                columns.value(row, "attendances_at_ane"), line, "attendances_at_ane", problems
            )
            admissions = ae_count(
                columns.value(row, "emergency_admissions_via_type_1_ae"),
                line,
                "emergency_admissions_via_type_1_ae",
                problems,
                required=False,
            )
            if week_end is None or not name:
                continue
            code, reason = matcher.match(name, week_end)
            if reason == "skip":
                skipped += 1
                continue
            if code is None:
                if reason:
                    problems.add(line, "name", f"{name!r} {reason}")
                else:
                    unmatched.setdefault(name, line)
                continue
            keys.append(((code, week_end), line))
            seen_names.setdefault((code, name), []).append(week_end)
            if percent is None or attendances is None:
                continue
            # The series gives a rounded percentage, not the breach count; the count is
            # worked back from it and marked as derived.
            over_4h = int((attendances * (100 - percent) / 100).quantize(Decimal(1), ROUND_HALF_UP))
            plan.period_starts.add(week_end - dt.timedelta(days=6))
            plan.activity.append(
                {
                    "code": code,
                    "grain": Grain.WEEK,
                    "period_start": week_end - dt.timedelta(days=6),
                    "period_end": week_end,
                    "department_type": DepartmentType.TYPE_1,
                    "attendances": attendances,
                    "over_4h": min(over_4h, attendances),
                    "basis": Basis.WEEKLY_SITREP,
                    "over_4h_derived": True,
                    "booked_attendances": None,
                    "booked_over_4h": None,
                    "emergency_admissions": admissions,
                    "source_file": table.name,
                    "source_line": line,
                }
            )
        for name, line in sorted(unmatched.items(), key=lambda item: item[1]):
            closest = matcher.closest(name)
            hint = f"; closest known: {'; '.join(closest)}" if closest else ""
            problems.add(
                line,
                "name",
                f"{name!r} matches no organisation name or alias "
                f"(add it to trusts/data/name_aliases.csv){hint}",
            )
        duplicates_check(keys, problems, "name, analysisdate")
        if skipped:
            plan.skipped.append(
                f"{skipped} rows whose name the alias table marks as unattributable"
            )
        self._names_and_status(plan, seen_names)
        return plan

    def _names_and_status(self, plan: ActivityPlan, seen: dict[tuple[str, str], list]) -> None:
        weeks_by_code: dict[str, list[tuple[dt.date, bool]]] = {}
        for (code, name), week_ends in seen.items():
            plan.names.append(
                {
                    "code": code,
                    "name": shown_spelling(name),
                    "source": WEEKLY_NAMES_SOURCE,
                    "valid_from": min(week_ends) - dt.timedelta(days=6),
                    "valid_to": max(week_ends),
                }
            )
            is_foundation = "foundation trust" in normalise_name(name)
            weeks_by_code.setdefault(code, []).extend(
                (week_end, is_foundation) for week_end in week_ends
            )
        for code, weeks in weeks_by_code.items():
            weeks.sort()
            foundation_weeks = [week_end for week_end, is_foundation in weeks if is_foundation]
            if not foundation_weeks:
                continue
            first = foundation_weeks[0] - dt.timedelta(days=6)
            plan.foundation_trusts.append(
                {
                    "code": code,
                    "authorised_on": first,
                    "source": FT_FROM_NAMES_SOURCE
                    + (
                        " (a foundation trust from the first week of the series: authorised "
                        "on or before this date)"
                        if weeks[0][1]
                        else " (first week named as a foundation trust)"
                    ),
                }
            )

    def write(self, plan: ActivityPlan, result: ImportResult) -> None:
        _activity_write(plan, result, keep_counted=True)
        organisations = _organisations_by_code(row["code"] for row in plan.names)
        _names_upsert(
            [{"organisation": organisations[row.pop("code")], **row} for row in plan.names],
            result,
        )
        stored = _organisations_by_code(row["code"] for row in plan.foundation_trusts)
        upsert(
            FoundationTrustStatus,
            key_fields=("organisation_id",),
            rows=[
                {
                    "organisation_id": stored[row["code"]].pk,
                    "authorised_on": row["authorised_on"],
                    "ended_on": stored[row["code"]].closed_on,
                    "source": row["source"],
                }
                for row in plan.foundation_trusts
            ],
            existing=FoundationTrustStatus.objects.filter(source__startswith=FT_FROM_NAMES_SOURCE),
        ).add_to(result)


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
            code = text_value(
                columns.value(row, "code"), line, "code", problems, max_length=CODE_CHARS
            )
            name = text_value(
                columns.value(row, "name"), line, "name", problems, max_length=NAME_CHARS
            )
            week_end = date_value(
                columns.value(row, "week_ending"),
                line,
                "week_ending",
                problems,
                formats=["%Y-%m-%d"],
                within=self.WEEK_ENDS,
            )
            attendances = ae_count(
                columns.value(row, "attendances_at_ane"), line, "attendances_at_ane", problems
            )
            # Despite its name this column is the type 1 breach count (data/SOURCES.md, file 3).
            breaches = ae_count(
                columns.value(row, "patients_waiting_over_4hrs_tobe_admitted"),
                line,
                "patients_waiting_over_4hrs_tobe_admitted",
                problems,
            )
            admissions = ae_count(
                columns.value(row, "emergency_admissions"),
                line,
                "emergency_admissions",
                problems,
                required=False,
            )
            trolley = ae_count(
                columns.value(row, "trolley_wait_4_to_12hrs"),
                line,
                "trolley_wait_4_to_12hrs",
                problems,
                required=False,
            )
            _counts_check(line, "(breaches)", attendances, breaches, problems)
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
                {
                    "code": code,
                    "grain": Grain.WEEK,
                    "period_start": start,
                    "period_end": week_end,
                    "department_type": DepartmentType.TYPE_1,
                    "attendances": attendances,
                    "over_4h": breaches,
                    "basis": Basis.WEEKLY_SITREP,
                    "over_4h_derived": False,
                    "booked_attendances": None,
                    "booked_over_4h": None,
                    "emergency_admissions": admissions,
                    "source_file": table.name,
                    "source_line": line,
                }
            )
            twelve = week_end >= self.TWELVE_HOUR_WAITS_FROM
            plan.waits.append(
                {
                    "code": code,
                    "grain": Grain.WEEK,
                    "period_start": start,
                    "period_end": week_end,
                    "dta_4_to_12h": None if twelve else trolley,
                    "dta_over_12h": trolley if twelve else None,
                    "other_emergency_admissions": None,
                    "source_file": table.name,
                    "source_line": line,
                }
            )
        duplicates_check(keys, problems, "week_ending, code")
        plan.names = [
            {
                "code": code,
                "name": shown_spelling(name),
                "source": WINTER_NAMES_SOURCE,
                "valid_from": min(ends) - dt.timedelta(days=6),
                "valid_to": max(ends),
            }
            for (code, name), ends in seen_names.items()
        ]
        return plan

    def write(self, plan: ActivityPlan, result: ImportResult) -> None:
        _activity_write(plan, result)
        organisations = _organisations_by_code(row["code"] for row in plan.names)
        _names_upsert(
            [{"organisation": organisations[row.pop("code")], **row} for row in plan.names],
            result,
        )
