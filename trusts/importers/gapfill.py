"""Monthly A&E for the months the official files we ship miss (data/SOURCES.md, file 12).

Three re-published files: HowsMyNHS's all-types totals by provider name (Nov 2010 to Mar
2020), its type 1 share within four hours (Jun 2015 to Mar 2020), and a transcription of NHS
England's 2019-20 monthly CSVs by trust and department type. Where one of them covers a
provider-month another source already has, `basis_outranks` decides which figures stay, so
every provider-month holds one source's figures.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction

from ..models import (
    COMPLETE_MONTH_BASES,
    AEActivity,
    AENationalMonth,
    AEShare,
    Basis,
    DepartmentType,
    Grain,
    Organisation,
    basis_outranks,
)
from ..summaries import ENGLAND_CODE
from .ae.activity import activity_row, month_end, over_4h_check
from .ae.names import NameMatcher
from .base import (
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
from .organisations import _organisations_by_code

ENGLAND = {
    "ods_code": ENGLAND_CODE,
    "name": "England (all A&E providers)",
    "kind": Organisation.Kind.NATIONAL,
    "source": "National total rows of NHS England's monthly A&E publications",
}
DERIVATIONS = {
    "nhse_monthly_provider_file": Basis.REPUBLISHED_MONTHLY,
    "apportioned_from_weekly_sitreps_by_howsmynhs": Basis.APPORTIONED_WEEKLY,
}
# The file's notes: 2012-05 and 2013-03..05 repeat or drop whole months; "do not use".
UNUSABLE_FLAG = "suspect_month"
# From May 2019 the author's England breaches are wrong (78.0% against NHS England's 86.6%).
ENGLAND_BREACHES_WRONG_FLAG = "england_row_breaches_inconsistent_with_provider_sum"


@dataclass
class MonthlyPlan:
    """Figures grouped by provider-month, so precedence compares whole months of one source."""

    months: dict[tuple[str, dt.date], list[dict]] = field(default_factory=dict)
    basis: dict[tuple[str, dt.date], str] = field(default_factory=dict)
    shares: list[dict] = field(default_factory=list)
    # England's own rows (AENationalMonth), by month.
    national: dict[dt.date, dict] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


# The gap-fill files run from November 2010 to March 2020 (see their NOTES.md).
GAPFILL_MONTHS = DateRange(dt.date(2010, 11, 1), dt.date(2020, 3, 1))


def _month(raw: str, line: int, problems: Problems) -> dt.date | None:
    return date_value(
        raw + "-01" if raw else raw,
        line,
        "period",
        problems,
        formats=["%Y-%m-%d"],
        within=GAPFILL_MONTHS,
    )


def _codes_for_names(table: Table, columns: Columns, plan: MonthlyPlan) -> dict[str, str | None]:
    """Each provider name's ODS code, through the same name matching as the weekly series.

    The file's own code (matched by its figures) is used only where our names know nothing
    of the spelling; a name our matching gives another code, or no code at all, is skipped
    and reported rather than guessed."""
    matcher = NameMatcher()
    known = _organisations_by_code({columns.value(row, "ods_code") for _, row in table.rows})
    first_seen: dict[str, tuple[str, str]] = {}
    for _, row in table.rows:
        # The file marks names whose figures matched different codes over time (small sites
        # that changed code): its code cannot be trusted for every month.
        unsure = "CONFLICT" in columns.value(row, "ods_code_method")
        first_seen.setdefault(
            columns.value(row, "provider_name"),
            (columns.value(row, "period"), "" if unsure else columns.value(row, "ods_code")),
        )
    codes: dict[str, str | None] = {}
    by_figures_only, conflicting, unmatched = [], [], []
    for name, (period, file_code) in first_seen.items():
        if file_code == ENGLAND_CODE:
            codes[name] = ENGLAND_CODE
            continue
        try:
            day = dt.date.fromisoformat(period + "-01")
        except ValueError:
            continue  # the row's period is reported as a problem
        code, reason = matcher.match(name, day)
        if code and code != file_code:
            conflicting.append(f"{name} (our names: {code}; the file: {file_code})")
            code = None
        elif code is None and not reason and file_code in known:
            by_figures_only.append(f"{name} → {file_code}")
            code = file_code
        elif code is None:
            unmatched.append(f"{name} ({file_code or 'no code the file is sure of'})")
        codes[name] = code
    if unmatched:
        plan.skipped.append(f"{len(unmatched)} names matched to no code: {'; '.join(unmatched)}")
    if conflicting:
        plan.skipped.append(
            f"{len(conflicting)} names our names give another code: {'; '.join(conflicting)}"
        )
    if by_figures_only:
        plan.skipped.append(
            f"none: {len(by_figures_only)} names our names do not know were kept with the code "
            f"the file matched by figures: {'; '.join(by_figures_only)}"
        )
    return codes


class HowsMyNhsAllTypes(Format):
    """HowsMyNHS monthly all-types attendances and breaches by provider name, 2010-11..2020-03."""

    label = "HowsMyNHS monthly all-types A&E by provider"
    category = "ae"
    FIELDS = (
        "period",
        "provider_name",
        "ods_code",
        "attendances_all_types",
        "attendances_over_4h_all_types",
        "derivation",
        "flag",
    )

    def matches(self, header: list[str]) -> bool:
        return header_has(header, *self.FIELDS)

    def parse(self, table: Table, problems: Problems) -> MonthlyPlan:
        columns = Columns(table.header)
        plan = MonthlyPlan()
        codes = _codes_for_names(table, columns, plan)
        keys, unusable, england = [], 0, 0
        for line, row in table.rows:
            name = text_value(columns.value(row, "provider_name"), line, "provider_name", problems)
            start = _month(columns.value(row, "period"), line, problems)
            attendances = count_value(
                columns.value(row, "attendances_all_types"), line, "attendances_all_types", problems
            )
            over_4h = count_value(
                columns.value(row, "attendances_over_4h_all_types"),
                line,
                "attendances_over_4h_all_types",
                problems,
                required=False,
            )
            derivation = columns.value(row, "derivation")
            basis = DERIVATIONS.get(derivation)
            if basis is None:
                problems.add(
                    line, "derivation", f"{derivation!r} is not one of {', '.join(DERIVATIONS)}"
                )
            over_4h_check(line, "over 4 hours", attendances, over_4h, problems)
            keys.append(((name, start), line))
            code = codes.get(name)
            if None in (start, attendances, basis) or not code:
                continue
            flags = columns.value(row, "flag").split(";")
            if UNUSABLE_FLAG in flags:
                unusable += 1
                continue
            if code == ENGLAND_CODE:
                if over_4h is not None and ENGLAND_BREACHES_WRONG_FLAG not in flags:
                    plan.national[start] = {
                        "month": start,
                        "attendances": attendances,
                        "over_4h": over_4h,
                        "basis": basis,
                        "source_file": table.name,
                        "source_line": line,
                    }
                else:
                    england += 1
                continue
            plan.months[(code, start)] = [
                activity_row(
                    code,
                    Grain.MONTH,
                    start,
                    DepartmentType.TOTAL,
                    basis,
                    (table.name, line),
                    attendances=attendances,
                    over_4h=over_4h,
                )
            ]
            plan.basis[(code, start)] = basis
        duplicates_check(keys, problems, "provider_name, period")
        if unusable:
            plan.skipped.append(f"{unusable} rows of months the file flags {UNUSABLE_FLAG}")
        if england:
            plan.skipped.append(
                f"{england} England rows flagged {ENGLAND_BREACHES_WRONG_FLAG} (England is "
                "the sum of its providers' figures there)"
            )
        return plan

    def write(self, plan: MonthlyPlan, result: ImportResult) -> None:
        months_write(plan, result)
        national_write(plan, result)


def national_write(plan: MonthlyPlan, result: ImportResult) -> None:
    """England's own rows, one per month, replacing what an earlier import of them wrote."""
    upsert(
        AENationalMonth,
        key_fields=("month",),
        rows=plan.national.values(),
        existing=AENationalMonth.objects.filter(month__in=plan.national),
    ).add_to(result)


class HowsMyNhsType1Share(Format):
    """HowsMyNHS type 1 share within four hours by provider name, 2015-06..2020-03."""

    label = "HowsMyNHS monthly type 1 share within 4 hours"
    category = "ae"
    FIELDS = ("period", "provider_name", "ods_code", "type1_share_within_4h")

    def matches(self, header: list[str]) -> bool:
        return header_has(header, *self.FIELDS)

    def parse(self, table: Table, problems: Problems) -> MonthlyPlan:
        columns = Columns(table.header)
        plan = MonthlyPlan()
        codes = _codes_for_names(table, columns, plan)
        keys = []
        for line, row in table.rows:
            name = text_value(columns.value(row, "provider_name"), line, "provider_name", problems)
            start = _month(columns.value(row, "period"), line, problems)
            raw = columns.value(row, "type1_share_within_4h")
            try:
                share = Decimal(raw).quantize(Decimal("1e-10"))
            except InvalidOperation:
                problems.add(line, "type1_share_within_4h", f"{raw!r} is not a number")
                continue
            if not 0 <= share <= 1:
                problems.add(line, "type1_share_within_4h", f"{share} is not between 0 and 1")
                continue
            keys.append(((name, start), line))
            code = codes.get(name)
            if start is None or not code:
                continue
            plan.shares.append(
                {
                    "code": code,
                    "grain": Grain.MONTH,
                    "period_start": start,
                    "period_end": month_end(start),
                    "department_type": DepartmentType.TYPE_1,
                    "within_4h": share,
                    "source_file": table.name,
                    "source_line": line,
                }
            )
        duplicates_check(keys, problems, "provider_name, period")
        return plan

    def write(self, plan: MonthlyPlan, result: ImportResult) -> None:
        if any(row["code"] == ENGLAND_CODE for row in plan.shares):
            Organisation.objects.get_or_create(ods_code=ENGLAND_CODE, defaults=ENGLAND)
        organisations = _organisations_by_code(row["code"] for row in plan.shares)
        rows = [{"organisation_id": organisations[r.pop("code")].pk, **r} for r in plan.shares]
        upsert(
            AEShare,
            key_fields=("organisation_id", "grain", "period_start", "department_type"),
            rows=rows,
            existing=AEShare.objects.filter(source_file__in={r["source_file"] for r in rows}),
        ).add_to(result)
        result.skipped = plan.skipped


class Uzair163ByType(Format):
    """NHS England's 2019-20 monthly CSVs by trust and department type, as transcribed."""

    label = "Monthly A&E by trust and type, 2019-20 (transcribed from NHS England's CSVs)"
    category = "ae"
    TYPES = {
        DepartmentType.TYPE_1: ("attendances_type1", "over_4h_type1"),
        DepartmentType.TYPE_2: ("attendances_type2", "over_4h_type2"),
        DepartmentType.OTHER: ("attendances_other", "over_4h_other"),
    }
    FIELDS = ("period", "org_code", *(name for pair in TYPES.values() for name in pair))

    def matches(self, header: list[str]) -> bool:
        return header_has(header, *self.FIELDS, "fieldtest_4h_not_reported")

    def parse(self, table: Table, problems: Problems) -> MonthlyPlan:
        columns = Columns(table.header)
        plan = MonthlyPlan()
        known = _organisations_by_code({columns.value(row, "org_code") for _, row in table.rows})
        keys, unknown = [], {}
        for line, row in table.rows:
            code = text_value(columns.value(row, "org_code"), line, "org_code", problems)
            start = _month(columns.value(row, "period"), line, problems)
            not_reported = columns.value(row, "fieldtest_4h_not_reported") == "1"
            keys.append(((code, start), line))
            figures = []
            for department_type, (attendance_col, over_col) in self.TYPES.items():
                attendances = count_value(
                    columns.value(row, attendance_col), line, attendance_col, problems
                )
                over_4h = count_value(columns.value(row, over_col), line, over_col, problems)
                over_4h_check(line, over_col, attendances, over_4h, problems)
                if not attendances:
                    continue  # a department type the trust does not run
                # A field-test trust's 0 breaches mean "not reported", not "nobody waited".
                over_4h = None if not_reported else over_4h
                figures.append(
                    activity_row(
                        code,
                        Grain.MONTH,
                        start,
                        department_type,
                        Basis.REPUBLISHED_MONTHLY,
                        (table.name, line),
                        attendances=attendances,
                        over_4h=over_4h,
                    )
                )
            if start is None or not code or not figures:
                continue
            if code not in known:
                unknown.setdefault(code, line)
                continue
            plan.months[(code, start)] = figures
            plan.basis[(code, start)] = Basis.REPUBLISHED_MONTHLY
        duplicates_check(keys, problems, "period, org_code")
        if unknown:
            plan.skipped.append(f"rows of codes we do not know: {', '.join(sorted(unknown))}")
        return plan

    def write(self, plan: MonthlyPlan, result: ImportResult) -> None:
        months_write(plan, result)


def months_write(plan: MonthlyPlan, result: ImportResult) -> None:
    """Writes each provider-month unless figures that outrank it are stored (basis_outranks);
    figures it outranks are removed, so no provider-month holds two sources' figures."""
    organisations = _organisations_by_code(code for code, _ in plan.months)
    starts = {start for _, start in plan.months}
    file_names = {rows[0]["source_file"] for rows in plan.months.values()}
    stored: dict[tuple[int, dt.date], list[tuple[int, str, str, str]]] = {}
    for row in AEActivity.objects.filter(grain=Grain.MONTH, period_start__in=starts).values_list(
        "pk", "organisation_id", "period_start", "basis", "department_type", "source_file"
    ):
        pk, organisation_id, start, basis, department_type, file_name = row
        stored.setdefault((organisation_id, start), []).append(
            (pk, basis, department_type, file_name)
        )
    complete = {
        start
        for (_, start), figures in stored.items()
        for _, basis, _, file_name in figures
        if basis in COMPLETE_MONTH_BASES and file_name not in file_names
    }
    chosen, replaced, kept = [], [], 0
    for (code, start), rows in plan.months.items():
        organisation_id = organisations[code].pk
        if start in complete and plan.basis[(code, start)] not in COMPLETE_MONTH_BASES:
            kept += 1
            continue
        new = (plan.basis[(code, start)], rows[0]["department_type"] != DepartmentType.TOTAL)
        there = [f for f in stored.get((organisation_id, start), ()) if f[3] not in file_names]
        if there:
            old = (there[0][1], there[0][2] != DepartmentType.TOTAL)
            if not basis_outranks(new, old):
                kept += 1
                continue
            replaced.extend(pk for pk, *_ in there)
        chosen.extend({"organisation_id": organisation_id, **row} for row in rows)
    with transaction.atomic():
        if replaced:
            AEActivity.objects.filter(pk__in=replaced).delete()
        upsert(
            AEActivity,
            key_fields=("organisation_id", "grain", "period_start", "department_type"),
            rows=[{k: v for k, v in row.items() if k != "code"} for row in chosen],
            existing=AEActivity.objects.filter(
                grain=Grain.MONTH, period_start__in=starts, source_file__in=file_names
            ),
        ).add_to(result)
    if kept:
        plan.skipped.append(
            f"{kept} provider-months of months an official or NHS-R file covers, or that "
            "another source's figures outrank"
        )
    if replaced:
        plan.skipped.append(f"{len(replaced)} figures of other sources this file outranks")
    result.skipped = plan.skipped
