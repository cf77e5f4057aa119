"""What the per-head and top-slice rules read: CCG populations and baseline budgets."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from ..models import BaselineBudget, Organisation, OrganisationName, Population, normalise_name
from .base import (
    CODE_CHARS,
    NAME_CHARS,
    Columns,
    ImportResult,
    Problems,
    Table,
    count_value,
    duplicates_check,
    text_value,
    upsert,
)
from .formats import Format, header_has
from .organisations import _names_upsert, _organisations_by_code

# The HSCIC release is undated in its source; October 2015 is the likeliest extract date
# (see data/SOURCES.md, file 8), and the figure is labelled with it.
REGISTERED_AS_OF = dt.date(2015, 10, 1)
ALLOCATION_NAMES_SOURCE = "CCG allocations file (normalised names)"
# CCGs formed by mergers after 2013 that the ONS series carries, back-cast; the product
# holds the 2013 CCGs, so these are reported as skipped rather than matched.
LATER_MERGED_CCGS = {
    normalise_name(name)
    for name in (
        "BERKSHIRE WEST",
        "BIRMINGHAM AND SOLIHULL",
        "BRISTOL NORTH SOMERSET AND SOUTH GLOUCESTERSHIRE",
        "BUCKINGHAMSHIRE",
        "EAST BERKSHIRE",
        "LEEDS",
        "MANCHESTER",
        "MORECAMBE BAY",
        "NEWCASTLE GATESHEAD",
        "NORTH CUMBRIA",
    )
}


@dataclass
class Plan:
    rows: list[dict] = field(default_factory=list)
    names: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _known(codes, table: Table, problems: Problems, lines: dict[str, int], column: str):
    known = _organisations_by_code(codes)
    for code in sorted(set(codes) - set(known)):
        problems.add(
            lines[code], column, f"{code!r} is not a known ODS code; import the ODS files first"
        )
    return known


class RegisteredPatients(Format):
    """HSCIC patients registered at GP practices, by CCG, 2015."""

    label = "GP registered patients by CCG"
    category = "orgs"

    def matches(self, header: list[str]) -> bool:
        return header_has(header, "CCG_CODE", "TOTAL_ALL", "TOTAL_MALE", "TOTAL_FEMALE")

    def parse(self, table: Table, problems: Problems) -> Plan:
        columns = Columns(table.header)
        plan = Plan()
        lines: dict[str, int] = {}
        keys = []
        for line, row in table.rows:
            code = text_value(
                columns.value(row, "CCG_CODE"), line, "CCG_CODE", problems, max_length=CODE_CHARS
            )
            if code.upper() == "UNKNOWN":
                plan.skipped.append(f"line {line}: patients with no known CCG")
                continue
            total = count_value(columns.value(row, "TOTAL_ALL"), line, "TOTAL_ALL", problems)
            male = count_value(columns.value(row, "TOTAL_MALE"), line, "TOTAL_MALE", problems)
            female = count_value(columns.value(row, "TOTAL_FEMALE"), line, "TOTAL_FEMALE", problems)
            if None not in (total, male, female) and male + female != total:
                problems.add(
                    line,
                    "TOTAL_ALL",
                    f"{total:,} is not TOTAL_MALE + TOTAL_FEMALE ({male + female:,})",
                )
            lines.setdefault(code, line)
            keys.append(((code,), line))
            plan.rows.append({"code": code, "people": total})
        duplicates_check(keys, problems, "CCG_CODE")
        known = _known([row["code"] for row in plan.rows], table, problems, lines, "CCG_CODE")
        for row in plan.rows:
            row["organisation"] = known.get(row["code"])
        return plan

    def write(self, plan: Plan, result: ImportResult) -> None:
        result.skipped = plan.skipped
        _populations_upsert(
            plan.rows,
            basis=Population.Basis.REGISTERED,
            source="HSCIC, patients registered at a GP practice, 2015 (October extract, inferred)",
            result=result,
        )


def _populations_upsert(rows: list[dict], *, basis: str, source: str, result: ImportResult):
    upsert(
        Population,
        key_fields=("organisation_id", "basis", "as_of"),
        rows=[
            {
                "organisation_id": row["organisation"].pk,
                "basis": basis,
                "as_of": row.get("as_of", REGISTERED_AS_OF),
                "people": row["people"],
                "source": source,
            }
            for row in rows
        ],
        existing=Population.objects.filter(basis=basis),
    ).add_to(result)


class OnsPopulation(Format):
    """ONS mid-year resident population by CCG name, 2012 to 2016."""

    label = "ONS mid-year population by CCG name"
    category = "orgs"

    def matches(self, header: list[str]) -> bool:
        return header_has(header, "CCG_Name", "year", "CCGpop")

    def parse(self, table: Table, problems: Problems) -> Plan:
        columns = Columns(table.header)
        by_name = _ccgs_by_allocation_name()
        plan = Plan()
        unmatched: dict[str, int] = {}
        skipped: set[str] = set()
        keys = []
        for line, row in table.rows:
            name = text_value(
                columns.value(row, "CCG_Name"), line, "CCG_Name", problems, max_length=NAME_CHARS
            )
            year = count_value(columns.value(row, "year"), line, "year", problems)
            people = count_value(columns.value(row, "CCGpop"), line, "CCGpop", problems)
            if year is not None and not 1990 <= year <= timezone.localdate().year:
                problems.add(line, "year", f"{year} is not a mid-year from 1990 to this year")
                continue
            key = normalise_name(name)
            if key in LATER_MERGED_CCGS:
                skipped.add(name)
                continue
            organisation = by_name.get(key)
            if organisation is None:
                unmatched.setdefault(name, line)
                continue
            keys.append(((organisation.ods_code, year), line))
            if year is not None and people is not None:
                plan.rows.append(
                    {"organisation": organisation, "as_of": dt.date(year, 6, 30), "people": people}
                )
        for name, line in unmatched.items():
            problems.add(
                line, "CCG_Name", f"{name!r} matches no CCG in the allocations file's names"
            )
        duplicates_check(keys, problems, "CCG_Name, year")
        if skipped:
            plan.skipped.append(
                f"{len(skipped)} CCGs formed after 2013 ({', '.join(sorted(skipped))})"
            )
        return plan

    def write(self, plan: Plan, result: ImportResult) -> None:
        result.skipped = plan.skipped
        _populations_upsert(
            plan.rows,
            basis=Population.Basis.RESIDENT,
            source="ONS mid-year population estimates by CCG",
            result=result,
        )


def _ccgs_by_allocation_name() -> dict[str, Organisation]:
    return {
        name.normalised: name.organisation
        for name in OrganisationName.objects.filter(source=ALLOCATION_NAMES_SOURCE).select_related(
            "organisation"
        )
    }


class CcgAllocations(Format):
    """CCG programme allocations, £000, for 2013-14 (baseline), 2014-15 and 2015-16."""

    label = "CCG allocations (£000)"
    category = "orgs"

    def matches(self, header: list[str]) -> bool:
        return header_has(header, "CCG_Name", "year", "CCG_Code", "Allocation_000s")

    def parse(self, table: Table, problems: Problems) -> Plan:
        columns = Columns(table.header)
        plan = Plan()
        seen: dict[tuple[str, str], tuple[int, int]] = {}
        lines: dict[str, int] = {}
        names: dict[tuple[str, str], int] = {}
        for line, row in table.rows:
            code = text_value(
                columns.value(row, "CCG_Code"), line, "CCG_Code", problems, max_length=CODE_CHARS
            )
            name = text_value(
                columns.value(row, "CCG_Name"), line, "CCG_Name", problems, max_length=NAME_CHARS
            )
            # The year a financial year ends; budgets are set at most a year ahead.
            year_end = count_value(
                columns.value(row, "year"),
                line,
                "year",
                problems,
                maximum=timezone.localdate().year + 2,
            )
            thousands = count_value(
                columns.value(row, "Allocation_000s"), line, "Allocation_000s", problems
            )
            if year_end is None or thousands is None or not code:
                continue
            financial_year = f"{year_end - 1}-{year_end % 100:02d}"
            lines.setdefault(code, line)
            names.setdefault((code, name), line)
            # The source repeats three CCGs under two spellings with identical figures;
            # only a repeat with a different figure is a real conflict.
            previous = seen.get((code, financial_year))
            if previous and previous[0] != thousands:
                problems.add(
                    line,
                    "Allocation_000s",
                    f"{code} {financial_year} is {thousands:,} here but {previous[0]:,} on "
                    f"line {previous[1]}",
                )
                continue
            if previous:
                continue
            seen[(code, financial_year)] = (thousands, line)
            plan.rows.append(
                {
                    "code": code,
                    "financial_year": financial_year,
                    "amount_pence": thousands * 100_000,
                }
            )
        known = _known(list(lines), table, problems, lines, "CCG_Code")
        for row in plan.rows:
            row["organisation"] = known.get(row["code"])
        plan.names = [
            {"organisation": known[code], "name": name, "source": ALLOCATION_NAMES_SOURCE}
            for (code, name) in names
            if code in known
        ]
        return plan

    def write(self, plan: Plan, result: ImportResult) -> None:
        upsert(
            BaselineBudget,
            key_fields=("organisation_id", "financial_year"),
            rows=[
                {
                    "organisation_id": row["organisation"].pk,
                    "financial_year": row["financial_year"],
                    "amount_pence": row["amount_pence"],
                    "source": "NHS England CCG programme allocations (via Goodair, £000)",
                }
                for row in plan.rows
            ],
        ).add_to(result)
        _names_upsert(plan.names, result)
