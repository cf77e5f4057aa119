"""Who the organisations are: ODS reference files, our reference CSVs and the 2013 lookup."""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..models import Organisation, OrganisationName, Succession, normalise_name
from .base import (
    CODE_CHARS,
    NAME_CHARS,
    REGION_CHARS,
    SOURCE_CHARS,
    Columns,
    DateRange,
    ImportResult,
    Problems,
    Table,
    date_value,
    dates_in_order,
    duplicates_check,
    text_value,
    upsert,
)
from .formats import Format, header_has

# From the NHS's founding; ODS records planned openings and closures up to a year ahead.
ORGANISATION_DATES = DateRange(dt.date(1948, 7, 5), ahead=dt.timedelta(days=366))

ODS_COLUMNS = 27
# Column 3 of the ODS files: today's NHS England region of the organisation.
NHS_REGIONS = {
    "Y56": "London",
    "Y58": "South West",
    "Y59": "South East",
    "Y60": "Midlands",
    "Y61": "East of England",
    "Y62": "North West",
    "Y63": "North East and Yorkshire",
}
SUB_ICB_NAME = re.compile(r"\bICB - \w+$")
SMALL_WORDS = {"and", "of", "the", "for", "in", "on", "at", "upon", "with"}
ACRONYMS = {
    "NHS",
    "CCG",
    "ICB",
    "PCT",
    "UK",
    "II",
    "UTC",
    "MIU",
    "WIC",
    "GP",
    "A&E",
    "LLP",
    "LTD",
    "PLC",
    "CIC",
}
PCT_CLOSED_ON = dt.date(2013, 3, 31)
CCGS_OPENED_ON = dt.date(2013, 4, 1)


def _capitalised(word: str) -> str:
    """Its first letter in capitals, after any bracket or quote: "(WESTMINSTER)" is
    "(Westminster)"."""
    letters = re.search(r"[^\W\d_]", word)
    if not letters:
        return word
    return word[: letters.start()] + word[letters.start() :].capitalize()


def display_name(upper: str) -> str:
    """ODS writes names in capitals; show them as people write them."""
    words = []
    for position, word in enumerate(upper.split()):
        if word in ACRONYMS or any(ch.isdigit() for ch in word):
            words.append(word)
        elif position and word.casefold() in SMALL_WORDS:
            words.append(word.casefold())
        else:
            words.append("-".join(_capitalised(part) for part in word.split("-")))
    text = " ".join(words)
    return re.sub(r"'S\b", "'s", text)


def _organisations_by_code(codes) -> dict[str, Organisation]:
    return {org.ods_code: org for org in Organisation.objects.filter(ods_code__in=set(codes))}


def _names_upsert(rows: list[dict], result: ImportResult) -> None:
    # Spellings that differ only in case or punctuation are one name; its dates span both.
    merged: dict[tuple, dict] = {}
    for row in rows:
        row["normalised"] = normalise_name(row["name"])
        key = (row["organisation"].pk, row["normalised"], row["source"])
        if key in merged:
            kept = merged[key]
            for bound, pick in (("valid_from", min), ("valid_to", max)):
                dates = [d for d in (kept.get(bound), row.get(bound)) if d]
                kept[bound] = pick(dates) if dates else None
        else:
            merged[key] = row
    rows = list(merged.values())
    organisation_ids = {row["organisation"].pk for row in rows}
    upsert(
        OrganisationName,
        key_fields=("organisation_id", "normalised", "source"),
        rows=[
            {
                "organisation_id": row["organisation"].pk,
                "name": row["name"],
                "normalised": row["normalised"],
                "source": row["source"],
                "valid_from": row.get("valid_from"),
                "valid_to": row.get("valid_to"),
            }
            for row in rows
        ],
        existing=OrganisationName.objects.filter(organisation_id__in=organisation_ids),
    ).add_to(result)


@dataclass
class OrganisationPlan:
    rows: list[dict] = field(default_factory=list)
    names: list[dict] = field(default_factory=list)
    successions: list[dict] = field(default_factory=list)


class OdsReference(Format):
    """ODS 'etr' (trusts) and 'eccg' (CCGs): headerless, 27 quoted columns."""

    label = "ODS organisation reference file (etr/eccg)"
    category = "orgs"
    has_header = False

    def matches(self, header: list[str]) -> bool:
        return (
            len(header) == ODS_COLUMNS
            and bool(re.fullmatch(r"[A-Z0-9]{3,6}", header[0]))
            and bool(re.fullmatch(r"\d{8}", header[10]))
        )

    def parse(self, table: Table, problems: Problems) -> OrganisationPlan:
        plan = OrganisationPlan()
        keys = []
        for line, row in table.rows:
            if len(row) != ODS_COLUMNS:
                problems.add(line, "row", f"has {len(row)} columns; ODS files have {ODS_COLUMNS}")
                continue
            code = text_value(row[0], line, "organisation code", problems, max_length=CODE_CHARS)
            name = text_value(row[1], line, "name", problems, max_length=NAME_CHARS)
            opened = date_value(
                row[10],
                line,
                "open date",
                problems,
                formats=["%Y%m%d"],
                within=ORGANISATION_DATES,
            )
            closed = date_value(
                row[11],
                line,
                "close date",
                problems,
                formats=["%Y%m%d"],
                within=ORGANISATION_DATES,
                required=False,
            )
            dates_in_order(opened, closed, line, "close date", problems)
            keys.append(((code,), line))
            # Every row of the commissioners' file is a commissioner: its sub-ICB reporting
            # entities have codes that start with a letter, as trusts' do.
            commissioner = code[:1].isdigit() or "eccg" in table.name.casefold()
            kind = Organisation.Kind.CCG if commissioner else Organisation.Kind.TRUST
            if "COMMISSIONING HUB" in name:
                # The CCG file also lists NHS England's regional commissioning hubs.
                kind = Organisation.Kind.NHSE_REGION
            plan.rows.append(
                {
                    "ods_code": code,
                    "name": display_name(name),
                    "kind": kind,
                    "region": NHS_REGIONS.get(row[2].strip(), ""),
                    "opened_on": opened,
                    "closed_on": closed,
                    "source": f"ODS {table.name}",
                }
            )
        duplicates_check(keys, problems, "organisation code")
        return plan

    def write(self, plan: OrganisationPlan, result: ImportResult) -> None:
        stored = _organisations_by_code(row["ods_code"] for row in plan.rows)
        names = [(row["ods_code"], row["name"]) for row in plan.rows]
        for row in plan.rows:
            current = stored.get(row["ods_code"])
            # A CCG's sub-ICB location name is a later label for the same code; the
            # CCG-era name the 2013 lookup gave it stays the one shown.
            if (
                current
                and SUB_ICB_NAME.search(row["name"])
                and not SUB_ICB_NAME.search(current.name)
            ):
                row["name"] = current.name
        upsert(Organisation, key_fields=("ods_code",), rows=plan.rows).add_to(result)
        stored = _organisations_by_code(row["ods_code"] for row in plan.rows)
        _names_upsert(
            [{"organisation": stored[code], "name": name, "source": "ODS"} for code, name in names],
            result,
        )


def _source(columns: Columns, row: list[str], line: int, problems: Problems) -> str:
    return text_value(
        columns.value(row, "source"),
        line,
        "source",
        problems,
        required=False,
        max_length=SOURCE_CHARS,
    )


class ReferenceOrganisations(Format):
    """trusts/data/organisations.csv: bodies the public files do not list (NHS England, SHAs)."""

    label = "reference organisations (ods_code, name, kind ...)"
    category = "orgs"
    FIELDS = ("ods_code", "name", "kind", "parent", "region", "opened_on", "closed_on", "source")

    def matches(self, header: list[str]) -> bool:
        return header_has(header, *self.FIELDS)

    def parse(self, table: Table, problems: Problems) -> OrganisationPlan:
        columns = Columns(table.header)
        plan = OrganisationPlan()
        keys = []
        for line, row in table.rows:
            code = text_value(
                columns.value(row, "ods_code"), line, "ods_code", problems, max_length=CODE_CHARS
            )
            kind = columns.value(row, "kind")
            if kind not in Organisation.Kind.values:
                problems.add(
                    line, "kind", f"{kind!r} is not one of {', '.join(Organisation.Kind.values)}"
                )
            keys.append(((code,), line))
            opened, closed = (
                date_value(
                    columns.value(row, field),
                    line,
                    field,
                    problems,
                    formats=["%Y-%m-%d"],
                    within=ORGANISATION_DATES,
                    required=False,
                )
                for field in ("opened_on", "closed_on")
            )
            dates_in_order(opened, closed, line, "closed_on", problems)
            plan.rows.append(
                {
                    "ods_code": code,
                    "name": text_value(
                        columns.value(row, "name"), line, "name", problems, max_length=NAME_CHARS
                    ),
                    "kind": kind,
                    "region": text_value(
                        columns.value(row, "region"),
                        line,
                        "region",
                        problems,
                        required=False,
                        max_length=REGION_CHARS,
                    ),
                    "opened_on": opened,
                    "closed_on": closed,
                    "source": _source(columns, row, line, problems) or table.name,
                    "_parent": columns.value(row, "parent"),
                }
            )
        duplicates_check(keys, problems, "ods_code")
        return plan

    def write(self, plan: OrganisationPlan, result: ImportResult) -> None:
        parents = _organisations_by_code(row["_parent"] for row in plan.rows if row["_parent"])
        rows = []
        for row in plan.rows:
            parent_code = row.pop("_parent")
            row["parent_id"] = parents[parent_code].pk if parent_code in parents else None
            rows.append(row)
        upsert(Organisation, key_fields=("ods_code",), rows=rows).add_to(result)


class ReferenceSuccessions(Format):
    """trusts/data/successions.csv: mergers, acquisitions and splits with their dates."""

    label = "successions (predecessor, successor, effective_on ...)"
    category = "orgs"

    def matches(self, header: list[str]) -> bool:
        return header_has(header, "predecessor", "successor", "effective_on", "kind")

    def parse(self, table: Table, problems: Problems) -> OrganisationPlan:
        columns = Columns(table.header)
        codes = {
            columns.value(row, name)
            for _, row in table.rows
            for name in ("predecessor", "successor")
        }
        known = _organisations_by_code(codes)
        plan = OrganisationPlan()
        keys = []
        for line, row in table.rows:
            ends = {}
            for end in ("predecessor", "successor"):
                code = columns.value(row, end)
                if code not in known:
                    problems.add(line, end, f"{code!r} is not a known ODS code; import it first")
                ends[end] = known.get(code)
            kind = columns.value(row, "kind")
            if kind not in Succession.Kind.values:
                problems.add(
                    line, "kind", f"{kind!r} is not one of {', '.join(Succession.Kind.values)}"
                )
            effective = date_value(
                columns.value(row, "effective_on"),
                line,
                "effective_on",
                problems,
                formats=["%Y-%m-%d"],
                within=ORGANISATION_DATES,
            )
            share = _percent(columns.value(row, "share_percent"), line, problems)
            if ends["predecessor"] and ends["predecessor"] == ends["successor"]:
                problems.add(line, "successor", "is the same organisation as the predecessor")
            keys.append(
                (
                    (columns.value(row, "predecessor"), columns.value(row, "successor"), effective),
                    line,
                )
            )
            plan.successions.append(
                {
                    "predecessor": ends["predecessor"],
                    "successor": ends["successor"],
                    "effective_on": effective,
                    "kind": kind,
                    "share_percent": share,
                    "source": _source(columns, row, line, problems) or table.name,
                }
            )
        duplicates_check(keys, problems, "succession")
        return plan

    def write(self, plan: OrganisationPlan, result: ImportResult) -> None:
        _successions_upsert(plan.successions, result)


def _successions_upsert(rows: list[dict], result: ImportResult) -> None:
    upsert(
        Succession,
        key_fields=("predecessor_id", "successor_id", "effective_on"),
        rows=[
            {
                "predecessor_id": row["predecessor"].pk,
                "successor_id": row["successor"].pk,
                "effective_on": row["effective_on"],
                "kind": row["kind"],
                "share_percent": row["share_percent"],
                "source": row["source"],
            }
            for row in rows
        ],
    ).add_to(result)


def _percent(raw: str, line: int, problems: Problems) -> Decimal | None:
    if not raw.strip():
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        problems.add(line, "share_percent", f"{raw!r} is not a number")
        return None
    if not 0 <= value <= 100:
        problems.add(line, "share_percent", f"{value} is not between 0 and 100")
        return None
    return value.quantize(Decimal("0.01"))


class PctToCcgLookup(Format):
    """The 2013 PCT-to-CCG lookup: the PCTs, the CCGs' 2013 names, and who succeeded whom."""

    label = "2013 PCT to CCG lookup"
    category = "orgs"
    FIELDS = ("pct_code", "pct_name", "ccg_code", "ccg_name", "pcd_percent")

    def matches(self, header: list[str]) -> bool:
        return header_has(header, *self.FIELDS)

    def parse(self, table: Table, problems: Problems) -> OrganisationPlan:
        columns = Columns(table.header)
        plan = OrganisationPlan()
        pcts: dict[str, str] = {}
        ccgs: dict[str, str] = {}
        shares: dict[str, Decimal] = {}
        spellings: set[tuple[str, str]] = set()
        keys = []
        for line, row in table.rows:
            pct = text_value(
                columns.value(row, "pct_code"), line, "pct_code", problems, max_length=CODE_CHARS
            )
            ccg = text_value(
                columns.value(row, "ccg_code"), line, "ccg_code", problems, max_length=CODE_CHARS
            )
            pct_name = text_value(
                columns.value(row, "pct_name"), line, "pct_name", problems, max_length=NAME_CHARS
            )
            ccg_name = text_value(
                columns.value(row, "ccg_name"), line, "ccg_name", problems, max_length=NAME_CHARS
            )
            share = _percent(columns.value(row, "pcd_percent"), line, problems)
            pcts[pct] = pct_name
            # The lookup spells a few CCGs two ways (99P); each spelling is kept as a name.
            ccgs.setdefault(ccg, ccg_name)
            spellings.add((ccg, ccg_name))
            shares[pct] = shares.get(pct, Decimal(0)) + (share or 0)
            keys.append(((pct, ccg), line))
            plan.successions.append({"pct": pct, "ccg": ccg, "share_percent": share})
        for pct, total in shares.items():
            if abs(total - 100) > Decimal("0.5"):
                problems.add(None, "pcd_percent", f"PCT {pct}'s shares add up to {total}, not 100")
        duplicates_check(keys, problems, "pct_code, ccg_code")
        plan.rows = [
            {
                "ods_code": code,
                "name": name,
                "kind": Organisation.Kind.PCT,
                "closed_on": PCT_CLOSED_ON,
                "source": f"2013 lookup {table.name}",
            }
            for code, name in pcts.items()
        ]
        plan.names = [
            {"code": code, "name": name, "primary": ccgs[code] == name}
            for code, name in sorted(spellings)
        ]
        return plan

    def write(self, plan: OrganisationPlan, result: ImportResult) -> None:
        upsert(
            Organisation,
            key_fields=("ods_code",),
            rows=plan.rows,
            existing=Organisation.objects.filter(ods_code__in=[r["ods_code"] for r in plan.rows]),
        ).add_to(result)
        stored = _organisations_by_code(row["code"] for row in plan.names)
        ccg_rows = []
        for row in (row for row in plan.names if row["primary"]):
            current = stored.get(row["code"])
            name = row["name"]
            if current and not SUB_ICB_NAME.search(current.name):
                name = current.name
            ccg_rows.append(
                {
                    "ods_code": row["code"],
                    "name": name,
                    "kind": Organisation.Kind.CCG,
                    "opened_on": current.opened_on if current else CCGS_OPENED_ON,
                }
            )
        upsert(
            Organisation,
            key_fields=("ods_code",),
            rows=ccg_rows,
            existing=Organisation.objects.filter(ods_code__in=[r["ods_code"] for r in ccg_rows]),
        ).add_to(result)
        stored = _organisations_by_code(
            [row["code"] for row in plan.names] + [row["ods_code"] for row in plan.rows]
        )
        _names_upsert(
            [
                {
                    "organisation": stored[row["code"]],
                    "name": row["name"],
                    "source": "2013 PCT to CCG lookup",
                    "valid_from": CCGS_OPENED_ON,
                }
                for row in plan.names
            ],
            result,
        )
        _successions_upsert(
            [
                {
                    "predecessor": stored[row["pct"]],
                    "successor": stored[row["ccg"]],
                    "effective_on": CCGS_OPENED_ON,
                    "kind": Succession.Kind.REPLACEMENT
                    if row["share_percent"] == 100
                    else Succession.Kind.SPLIT,
                    "share_percent": row["share_percent"],
                    "source": "2013 PCT to CCG lookup (share of the PCT's postcodes)",
                }
                for row in plan.successions
            ],
            result,
        )
