"""The seed funds: the five announcements the product started from, as they were reported.

Each fund is one TOML file in seed_funds/ (the file name is the fund's slug), listing the
sources that state its figures; seed_funds/README.md describes the fields. Where the product
computes who got what, the fund's rule says so and its allocations are labelled modelled.
Every file is read and checked before anything is written, and a fault names its file and
field: a figure that does not reconcile stops the seeding rather than reaching a page.
"""

import datetime as dt
import difflib
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from trusts.models import Organisation

from . import rules
from .models import (
    AllocationRule,
    Fund,
    FundSource,
    FundStatusChange,
    PublishedAllocation,
    Scenario,
    SpendingLine,
    SpendingReport,
    Tranche,
    TrancheCondition,
)
from .money import MAX_POUNDS, format_pounds

SEED_FUNDS = Path(__file__).parent / "seed_funds"


def millions(pounds_m: int | str) -> int:
    """Pence in £N million, exactly: millions("12.8") == 1_280_000_000."""
    return int(Decimal(str(pounds_m)) * 100_000_000)


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    says: str = ""
    published_on: dt.date | None = None


@dataclass(frozen=True)
class Condition:
    kind: str
    description: str


@dataclass(frozen=True)
class TrancheSeed:
    name: str
    amount_pence: int
    financial_year: str = ""
    due_on: dt.date | None = None
    performance_linked: bool = False
    policy: str = Tranche.MissedConditionPolicy.NOT_APPLICABLE
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Published:
    ods_code: str
    amount_pence: int
    source: str
    tranche: str = ""


@dataclass(frozen=True)
class Spending:
    ods_code: str
    period: str
    source: str
    source_url: str
    allocation_pence: int | None = None
    uncommitted_pence: int | None = None
    notes: str = ""
    lines: tuple[tuple[str, int, str], ...] = ()


@dataclass(frozen=True)
class Step:
    """A dated move through the fund's life after its announcement, with what dates it."""

    status: str
    on: dt.date
    note: str


@dataclass(frozen=True)
class ScenarioSeed:
    """A named rule for a fund whose rule or recipients were never published; the current
    one is the fund's rule, and says why."""

    name: str
    kind: str
    parameters: dict
    reason: str = ""
    current: bool = False


@dataclass(frozen=True)
class FundSeed:
    slug: str
    name: str
    announced_by: str
    announced_on: dt.date
    certainty: str
    total_pence: int
    financial_years: tuple[str, ...]
    purpose: str
    money_kind: str
    route: str
    sources: tuple[Source, ...]
    status: str = Fund.Status.ANNOUNCED
    total_is_cap: bool = False
    parent_slug: str | None = None
    notes: str = ""
    tranches: tuple[TrancheSeed, ...] = ()
    rule_kind: str | None = None
    rule_parameters: dict = field(default_factory=dict)
    published: tuple[Published, ...] = ()
    spending: tuple[Spending, ...] = ()
    steps: tuple[Step, ...] = ()
    scenarios: tuple[ScenarioSeed, ...] = ()


class SeedError(Exception):
    pass


# --- Reading a fund file: every value checked, every fault kept with where it is ----------

Convert = Callable[[object], object]
Fault = tuple[str, str]  # (where in the file, what is wrong)


class _Faults(Exception):
    def __init__(self, faults: list[Fault]):
        self.faults = faults


def _kind_of(value) -> str:
    """What TOML made of a value, in the words of the error a writer sees."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dt.datetime | dt.time):
        return "a time"
    if isinstance(value, dt.date):
        return "a date"
    return "a list" if isinstance(value, list) else "a table"


def _text(max_length: int | None = None) -> Convert:
    def convert(value):
        if not isinstance(value, str):
            raise ValueError(f"must be text in quotes, not {_kind_of(value)}")
        if not value.strip():
            raise ValueError("is blank")
        if max_length is not None and len(value) > max_length:
            raise ValueError(f"is {len(value):,} characters long; at most {max_length}")
        return value

    return convert


def _choice(options: Iterable[str]) -> Convert:
    options = tuple(options)

    def convert(value):
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"{value!r} is not one of {', '.join(options)}")
        return value

    return convert


def _column(model, name: str) -> Convert:
    """Text for a model's column: one of its choices, or no longer than the column holds."""
    column = model._meta.get_field(name)
    if column.choices:
        return _choice(value for value, _ in column.choices)
    return _text(column.max_length)


def _date(value) -> dt.date:
    if type(value) is not dt.date:
        raise ValueError(
            f"must be a date written like 2013-09-10, without quotes, not {_kind_of(value)}"
        )
    return value


def _flag(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {_kind_of(value)}")
    return value


_AMOUNT = re.compile(r"£(\d+(?:\.\d+)?)(m|bn)?")
_UNITS = {None: 1, "m": 10**6, "bn": 10**9}


def _amount(value) -> int:
    """Pence in an amount written as the sources write it: "£12.8m", "£3.8bn", "£450.50"."""
    text = _text()(value)
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise ValueError(f'{text!r} is not an amount such as "£12.8m", "£3.8bn" or "£450"')
    pounds = Decimal(match[1]) * _UNITS[match[2]]
    if pounds > MAX_POUNDS:
        raise ValueError(f"{text!r} is more than £{MAX_POUNDS:,}, the most an amount can be")
    if pounds * 100 != (pounds * 100).to_integral_value():
        raise ValueError(f"{text!r} has a fraction of a penny")
    return int(pounds * 100)


def _slug(value) -> str:
    text = _column(Fund, "slug")(value)
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", text):
        raise ValueError(f"{text!r} is not a slug: lower-case letters and digits joined by -")
    return text


def _url(value) -> str:
    text = _column(FundSource, "url")(value)
    if not text.startswith(("https://", "http://")):
        raise ValueError(f"{text!r} is not a web address (http:// or https://)")
    return text


def _financial_year(value) -> str:
    text = _text()(value)
    try:
        return rules.financial_year_checked(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a financial year such as 2013-14") from None


def _financial_years(value) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f'must be a list such as ["2013-14"], not {_kind_of(value)}')
    return tuple(_financial_year(year) for year in value)


def _parameters(value) -> dict:
    """A rule's parameters, stored as JSON: the rule's own checks come once the fund is read."""
    if not isinstance(value, dict):
        raise ValueError(f"must be a table of the rule's parameters, not {_kind_of(value)}")
    faults = [(key, "write it in quotes: a rule's dates are text") for key in _dated(value)]
    if faults:
        raise _Faults(faults)
    return value


def _dated(value, where: str = "") -> list[str]:
    """Where TOML read a date or time inside a value, which JSON cannot store."""
    if isinstance(value, dt.date | dt.time):
        return [where]
    if isinstance(value, dict):
        return [w for key, item in value.items() for w in _dated(item, _within(where, key))]
    if isinstance(value, list):
        return [w for n, item in enumerate(value, 1) for w in _dated(item, f"{where}[{n}]")]
    return []


Spec = dict[str, tuple[Convert, bool]]  # key: (its check, whether it is required)


def _within(outer: str, inner: str) -> str:
    if not outer or inner.startswith("["):
        return f"{outer}{inner}"
    return f"{outer}.{inner}"


def _unknown(key: str, spec: Spec) -> str:
    close = difflib.get_close_matches(key, spec, n=1)
    if close:
        return f"is not a field here: did you mean {close[0]}?"
    return f"is not a field here (the fields are {', '.join(spec)})"


def _table(spec: Spec) -> Convert:
    """A TOML table's values, each through its check; every fault at once, named by key."""

    def convert(value) -> dict:
        if not isinstance(value, dict):
            raise ValueError(f"must be a table, not {_kind_of(value)}")
        faults: list[Fault] = [(key, _unknown(key, spec)) for key in value if key not in spec]
        values = {}
        for key, (check, required) in spec.items():
            if key not in value:
                if required:
                    faults.append((key, "is required"))
                continue
            try:
                values[key] = check(value[key])
            except ValueError as error:
                faults.append((key, str(error)))
            except _Faults as inner:
                faults += [(_within(key, where), message) for where, message in inner.faults]
        if faults:
            raise _Faults(faults)
        return values

    return convert


def _tables(spec: Spec) -> Convert:
    """An array of tables ([[name]] in the file); the first is [1]."""
    table = _table(spec)

    def convert(value) -> list[dict]:
        if not isinstance(value, list):
            raise ValueError(f"must be a list of tables, not {_kind_of(value)}")
        faults: list[Fault] = []
        items = []
        for number, item in enumerate(value, 1):
            try:
                items.append(table(item))
            except ValueError as error:
                faults.append((f"[{number}]", str(error)))
            except _Faults as inner:
                faults += [(_within(f"[{number}]", where), m) for where, m in inner.faults]
        if faults:
            raise _Faults(faults)
        return items

    return convert


REQUIRED, OPTIONAL = True, False
_SOURCE: Spec = {
    "title": (_column(FundSource, "title"), REQUIRED),
    "url": (_url, REQUIRED),
    "says": (_text(), OPTIONAL),
    "published_on": (_date, OPTIONAL),
}
_STEP: Spec = {
    "status": (_column(FundStatusChange, "status"), REQUIRED),
    "on": (_date, REQUIRED),
    "note": (_column(FundStatusChange, "note"), REQUIRED),
}
_CONDITION: Spec = {
    "kind": (_column(TrancheCondition, "kind"), REQUIRED),
    "description": (_column(TrancheCondition, "description"), REQUIRED),
}
_TRANCHE: Spec = {
    "name": (_column(Tranche, "name"), REQUIRED),
    "amount": (_amount, REQUIRED),
    "financial_year": (_financial_year, OPTIONAL),
    "due_on": (_date, OPTIONAL),
    "performance_linked": (_flag, OPTIONAL),
    "missed_condition_policy": (_column(Tranche, "missed_condition_policy"), OPTIONAL),
    "conditions": (_tables(_CONDITION), OPTIONAL),
}
_RULE: Spec = {"kind": (_text(), REQUIRED), "parameters": (_parameters, REQUIRED)}
_SCENARIO: Spec = {
    "name": (_column(Scenario, "name"), REQUIRED),
    "kind": (_text(), REQUIRED),
    "current": (_flag, OPTIONAL),
    "reason": (_text(), OPTIONAL),
    "parameters": (_parameters, REQUIRED),
}
_ODS_CODE = _column(Organisation, "ods_code")
_PUBLISHED: Spec = {
    "ods_code": (_ODS_CODE, REQUIRED),
    "amount": (_amount, REQUIRED),
    "source": (_column(PublishedAllocation, "source"), REQUIRED),
    "tranche": (_column(Tranche, "name"), OPTIONAL),
}
_SPENDING_LINE: Spec = {
    "category": (_column(SpendingLine, "category"), REQUIRED),
    "amount": (_amount, REQUIRED),
    "note": (_column(SpendingLine, "note"), OPTIONAL),
}
_SPENDING: Spec = {
    "ods_code": (_ODS_CODE, REQUIRED),
    "period": (_column(SpendingReport, "period"), REQUIRED),
    "source": (_column(SpendingReport, "source"), REQUIRED),
    "source_url": (_url, REQUIRED),
    "allocation": (_amount, OPTIONAL),
    "uncommitted": (_amount, OPTIONAL),
    "notes": (_text(), OPTIONAL),
    "lines": (_tables(_SPENDING_LINE), OPTIONAL),
}
_FUND: Spec = {
    "name": (_column(Fund, "name"), REQUIRED),
    "parent": (_slug, OPTIONAL),
    "announced_by": (_column(Fund, "announced_by"), REQUIRED),
    "announced_on": (_date, REQUIRED),
    "announced_on_certainty": (_column(Fund, "announced_on_certainty"), REQUIRED),
    "total": (_amount, REQUIRED),
    "total_is_cap": (_flag, OPTIONAL),
    "financial_years": (_financial_years, REQUIRED),
    "money_kind": (_column(Fund, "money_kind"), REQUIRED),
    "route": (_column(Fund, "route"), REQUIRED),
    "status": (_column(Fund, "status"), OPTIONAL),
    "purpose": (_text(), REQUIRED),
    "notes": (_text(), OPTIONAL),
    "sources": (_tables(_SOURCE), REQUIRED),
    "steps": (_tables(_STEP), OPTIONAL),
    "tranches": (_tables(_TRANCHE), OPTIONAL),
    "rule": (_table(_RULE), OPTIONAL),
    "scenarios": (_tables(_SCENARIO), OPTIONAL),
    "published": (_tables(_PUBLISHED), OPTIONAL),
    "spending": (_tables(_SPENDING), OPTIONAL),
}


def _fund_seed(slug: str, values: dict) -> FundSeed:
    rule = values.get("rule")
    return FundSeed(
        slug=slug,
        name=values["name"],
        announced_by=values["announced_by"],
        announced_on=values["announced_on"],
        certainty=values["announced_on_certainty"],
        total_pence=values["total"],
        financial_years=values["financial_years"],
        purpose=values["purpose"],
        money_kind=values["money_kind"],
        route=values["route"],
        sources=tuple(Source(**source) for source in values["sources"]),
        status=values.get("status", Fund.Status.ANNOUNCED),
        total_is_cap=values.get("total_is_cap", False),
        parent_slug=values.get("parent"),
        notes=values.get("notes", ""),
        tranches=tuple(
            TrancheSeed(
                name=tranche["name"],
                amount_pence=tranche["amount"],
                financial_year=tranche.get("financial_year", ""),
                due_on=tranche.get("due_on"),
                performance_linked=tranche.get("performance_linked", False),
                policy=tranche.get(
                    "missed_condition_policy", Tranche.MissedConditionPolicy.NOT_APPLICABLE
                ),
                conditions=tuple(Condition(**c) for c in tranche.get("conditions", ())),
            )
            for tranche in values.get("tranches", ())
        ),
        rule_kind=rule["kind"] if rule else None,
        rule_parameters=rule["parameters"] if rule else {},
        published=tuple(
            Published(p["ods_code"], p["amount"], p["source"], p.get("tranche", ""))
            for p in values.get("published", ())
        ),
        spending=tuple(
            Spending(
                ods_code=report["ods_code"],
                period=report["period"],
                source=report["source"],
                source_url=report["source_url"],
                allocation_pence=report.get("allocation"),
                uncommitted_pence=report.get("uncommitted"),
                notes=report.get("notes", ""),
                lines=tuple(
                    (line["category"], line["amount"], line.get("note", ""))
                    for line in report.get("lines", ())
                ),
            )
            for report in values.get("spending", ())
        ),
        steps=tuple(Step(**step) for step in values.get("steps", ())),
        scenarios=tuple(
            ScenarioSeed(
                name=s["name"],
                kind=s["kind"],
                parameters=s["parameters"],
                reason=s.get("reason", ""),
                current=s.get("current", False),
            )
            for s in values.get("scenarios", ())
        ),
    )


def _repeated(where: str, names: Iterable[str]) -> list[Fault]:
    return [
        (where, f"{name!r} is listed {count} times")
        for name, count in Counter(names).items()
        if count > 1
    ]


def _listing_faults(seed: FundSeed) -> list[Fault]:
    """Tranches reconcile with the total; sources, tranches and steps are each listed once."""
    faults: list[Fault] = []
    tranches = sum(t.amount_pence for t in seed.tranches)
    # An "up to" total may be more than its tranches; any other must be exactly theirs.
    short_of_cap = seed.total_is_cap and tranches < seed.total_pence
    if seed.tranches and tranches != seed.total_pence and not short_of_cap:
        total = format_pounds(seed.total_pence)
        faults.append(("tranches", f"add up to {format_pounds(tranches)}, not the fund's {total}"))
    faults += _repeated("tranches", (t.name for t in seed.tranches))
    if not seed.sources:
        faults.append(("sources", "none given: list the sources that state the fund's figures"))
    faults += _repeated("sources", (s.url for s in seed.sources))
    faults += _repeated("steps", (s.status for s in seed.steps))
    for number, step in enumerate(seed.steps, 1):
        if step.status == Fund.Status.ANNOUNCED:
            faults.append((f"steps[{number}].status", "the announcement is dated by announced_on"))
        if step.on < seed.announced_on:
            faults.append((f"steps[{number}].on", f"{step.on} is before announced_on"))
    return faults


def _published_faults(seed: FundSeed) -> list[Fault]:
    """Amounts stated for recipients fit in their tranche, or in the fund when none is named,
    and in the fund all together."""
    faults: list[Fault] = []
    tranches = {t.name: t.amount_pence for t in seed.tranches}
    for number, published in enumerate(seed.published, 1):
        if published.tranche and published.tranche not in tranches:
            where = f"published[{number}].tranche"
            faults.append((where, f"{published.tranche!r} is not a tranche of this fund"))
    for name in {p.tranche for p in seed.published}:
        limit = tranches.get(name, seed.total_pence)
        stated = sum(p.amount_pence for p in seed.published if p.tranche == name)
        if stated > limit:
            message = f"add up to {format_pounds(stated)}, more than {format_pounds(limit)}"
            faults.append(("published", message))
    everything = sum(p.amount_pence for p in seed.published)
    # Said once: a list already beyond its tranche or the fund is beyond it all together.
    if everything > seed.total_pence and not any(where == "published" for where, _ in faults):
        faults.append(
            (
                "published",
                f"add up to {format_pounds(everything)}, more than the fund's total of "
                f"{format_pounds(seed.total_pence)}",
            )
        )
    return faults


def _spending_faults(seed: FundSeed) -> list[Fault]:
    faults = _repeated("spending", (f"{r.ods_code} {r.period}" for r in seed.spending))
    for number, report in enumerate(seed.spending, 1):
        found = rules.spending_faults(
            report.allocation_pence,
            report.uncommitted_pence,
            [(category, amount) for category, amount, _ in report.lines],
        )
        faults += [(f"spending[{number}].{part}", fault) for part, fault in found.items()]
    return faults


def _rule_faults(seed: FundSeed) -> list[Fault]:
    """The rule and each scenario checked as the fund admin's form checks them."""
    named = [(f"scenarios[{n}]", s.kind, s.parameters) for n, s in enumerate(seed.scenarios, 1)]
    if seed.rule_kind:
        named.insert(0, ("rule", seed.rule_kind, seed.rule_parameters))
    faults = _repeated("scenarios", (s.name for s in seed.scenarios))
    for where, kind, parameters in named:
        try:
            rules.validate_parameters(kind, parameters, fund_total_pence=seed.total_pence)
        except rules.ParameterError as error:
            faults += [
                (f"{where}.kind" if name == "kind" else f"{where}.parameters.{name}", message)
                for name, message in error.errors.items()
            ]
    if seed.scenarios:
        current = sum(s.current for s in seed.scenarios)
        if current != 1:
            message = f"exactly one must be current (current = true), not {current}"
            faults.append(("scenarios", message))
        if seed.rule_kind:
            faults.append(("rule", "the current scenario is the fund's rule: give one, not both"))
    return faults


def _reconciliation_faults(seed: FundSeed) -> list[Fault]:
    """What the fund's figures must agree on, with each other and with the rules."""
    return (
        _listing_faults(seed)
        + _published_faults(seed)
        + _spending_faults(seed)
        + _rule_faults(seed)
    )


def fund_file_read(path: Path) -> FundSeed:
    """One fund file, checked whole: SeedError lists every fault as file: field: what."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise SeedError(f"{path.name}: file: not UTF-8 text (byte {error.start:,})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SeedError(f"{path.name}: file: not TOML: {error}") from None
    try:
        slug = _slug(path.stem)
    except ValueError as error:
        raise SeedError(f"{path.name}: file name: the fund's slug {error}") from None
    try:
        seed = _fund_seed(slug, _table(_FUND)(data))
        faults = _reconciliation_faults(seed)
    except _Faults as found:
        faults = found.faults
    if faults:
        raise SeedError("\n".join(f"{path.name}: {where}: {message}" for where, message in faults))
    return seed


def _excluded_funds(seed: FundSeed) -> Iterable[tuple[str, str]]:
    """(where, slug) of every fund the fund's rules leave out by name."""
    if seed.rule_kind:
        for slug in seed.rule_parameters.get("excluded_funds", ()):
            yield "rule.parameters.excluded_funds", slug
    for number, scenario in enumerate(seed.scenarios, 1):
        for slug in scenario.parameters.get("excluded_funds", ()):
            yield f"scenarios[{number}].parameters.excluded_funds", slug


def _parents_first(seeds: list[FundSeed]) -> list[FundSeed]:
    """The funds in date order, except that a wave waits for its parent; SeedError when
    parents go round in a circle."""
    waiting = sorted(seeds, key=lambda seed: (seed.announced_on, seed.slug))
    ordered: list[FundSeed] = []
    placed: set[str | None] = {None}
    while waiting:
        ready = next((seed for seed in waiting if seed.parent_slug in placed), None)
        if ready is None:
            circle = ", ".join(f"{seed.slug}.toml" for seed in waiting)
            raise SeedError(f"{circle}: parent: each is a wave of another of them")
        ordered.append(ready)
        placed.add(ready.slug)
        waiting.remove(ready)
    return ordered


def _across_files_faults(seeds: list[FundSeed]) -> list[str]:
    """What the funds must agree on with each other: parents, waves' totals, funds named."""
    by_slug = {seed.slug: seed for seed in seeds}
    faults = []
    for seed in seeds:
        if seed.parent_slug is not None and seed.parent_slug not in by_slug:
            faults.append(f"{seed.slug}.toml: parent: {seed.parent_slug!r} is not a seed fund")
        for where, slug in _excluded_funds(seed):
            if slug not in by_slug:
                faults.append(f"{seed.slug}.toml: {where}: {slug!r} is not a seed fund")
        waves = [wave for wave in seeds if wave.parent_slug == seed.slug]
        waves_total = sum(wave.total_pence for wave in waves)
        if waves_total > seed.total_pence:
            faults.append(
                f"{seed.slug}.toml: total: its waves ({', '.join(w.slug for w in waves)}) add "
                f"up to {format_pounds(waves_total)}, more than {format_pounds(seed.total_pence)}"
            )
    return faults


def seed_funds_read(folder: Path = SEED_FUNDS) -> tuple[FundSeed, ...]:
    """Every fund file in the folder, checked alone and together, parents first; SeedError
    lists every fault in every file before anything is written."""
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise SeedError(f"{folder}: no fund files (*.toml)")
    seeds, faults = [], []
    for path in paths:
        try:
            seeds.append(fund_file_read(path))
        except SeedError as error:
            faults.append(str(error))
    faults = faults or _across_files_faults(seeds)
    if faults:
        raise SeedError("\n".join(faults))
    return tuple(_parents_first(seeds))


# --- Writing the funds --------------------------------------------------------------------


def _organisations(seeds: Iterable[FundSeed]) -> dict[str, Organisation]:
    """The recipients the funds name, by ODS code; SeedError names the files of any missing."""
    named_in: dict[str, set[str]] = {}
    for seed in seeds:
        for entry in (*seed.published, *seed.spending):
            named_in.setdefault(entry.ods_code, set()).add(f"{seed.slug}.toml")
    found = {o.ods_code: o for o in Organisation.objects.filter(ods_code__in=named_in)}
    missing = sorted(named_in.keys() - found.keys())
    if missing:
        where = ", ".join(f"{code} ({', '.join(sorted(named_in[code]))})" for code in missing)
        raise SeedError(
            f"Organisations not loaded: {where}. Import the ODS and reference files first "
            "(load_demo does this)."
        )
    return found


@transaction.atomic
def demo_funds_seed(folder: Path = SEED_FUNDS) -> list[Fund]:
    """Creates or updates the seed funds from their files; running it twice changes nothing."""
    seeds = seed_funds_read(folder)
    organisations = _organisations(seeds)
    funds: dict[str, Fund] = {}
    for seed in seeds:
        fund = _fund_upsert(seed, parent=funds.get(seed.parent_slug))
        funds[seed.slug] = fund
        _sources_upsert(fund, seed.sources)
        announced = Step(Fund.Status.ANNOUNCED, seed.announced_on, seed.sources[0].title)
        for step in (announced, *seed.steps):
            _upsert(
                FundStatusChange, {"fund": fund, "status": step.status}, on=step.on, note=step.note
            )
        tranches = _tranches_upsert(fund, seed.tranches)
        if seed.rule_kind:
            _rule_upsert(fund, seed.rule_kind, seed.rule_parameters)
        _scenarios_upsert(fund, seed.scenarios)
        for published in seed.published:
            _upsert(
                PublishedAllocation,
                {
                    "fund": fund,
                    "recipient": organisations[published.ods_code],
                    "tranche": tranches.get(published.tranche),
                },
                amount_pence=published.amount_pence,
                source=published.source,
            )
        for spending in seed.spending:
            _spending_upsert(fund, organisations[spending.ods_code], spending)
    return list(funds.values())


def _fund_upsert(seed: FundSeed, parent: Fund | None) -> Fund:
    values = {
        "name": seed.name,
        "announced_by": seed.announced_by,
        "announced_on": seed.announced_on,
        "announced_on_certainty": seed.certainty,
        "total_pence": seed.total_pence,
        "total_is_cap": seed.total_is_cap,
        "financial_years": list(seed.financial_years),
        "purpose": seed.purpose,
        "money_kind": seed.money_kind,
        "route": seed.route,
        "parent": parent,
        "status": seed.status,
        "notes": seed.notes,
    }
    return _upsert(Fund, {"slug": seed.slug}, **values)


def _upsert(model, lookup: dict, **values):
    """The row `lookup` finds, with these values, saved only where one differs: a seed run
    again changes nothing, its funds' sync time and history included."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **values)
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(row, key, value)
        row._change_reason = "Seed announcements updated"
        row.save()
    return row


def _sources_upsert(fund: Fund, sources: tuple[Source, ...]) -> None:
    for order, source in enumerate(sources):
        _upsert(
            FundSource,
            {"fund": fund, "url": source.url},
            title=source.title,
            says=source.says,
            published_on=source.published_on,
            order=order,
        )


def _tranches_upsert(fund: Fund, seeds: tuple[TrancheSeed, ...]) -> dict[str, Tranche]:
    tranches = {}
    for seed in seeds:
        tranche = _upsert(
            Tranche,
            {"fund": fund, "name": seed.name},
            amount_pence=seed.amount_pence,
            financial_year=seed.financial_year,
            due_on=seed.due_on,
            performance_linked=seed.performance_linked,
            missed_condition_policy=seed.policy,
        )
        for condition in seed.conditions:
            TrancheCondition.objects.get_or_create(
                tranche=tranche, kind=condition.kind, description=condition.description
            )
        tranches[seed.name] = tranche
    return tranches


def _rule_upsert(fund: Fund, kind: str, parameters: dict) -> None:
    rule = AllocationRule.objects.filter(fund=fund).first()
    if rule is None:
        AllocationRule.objects.create(fund=fund, kind=kind, parameters=parameters)
    elif rule.kind != kind or rule.parameters != parameters:
        rule.kind, rule.parameters = kind, parameters
        rule.version += 1
        rule._change_reason = "Seed announcements updated"
        rule.save()


def _scenarios_upsert(fund: Fund, seeds: tuple[ScenarioSeed, ...]) -> None:
    """The fund's scenarios; the current one is its rule."""
    current = [seed for seed in seeds if seed.current]
    Scenario.objects.filter(fund=fund).exclude(name__in=[s.name for s in seeds]).delete()
    # One current scenario a fund: the others first, and the current one left as it is.
    Scenario.objects.filter(fund=fund).exclude(name__in=[s.name for s in current]).update(
        is_current=False
    )
    for order, seed in enumerate(seeds):
        _upsert(
            Scenario,
            {"fund": fund, "name": seed.name},
            kind=seed.kind,
            parameters=seed.parameters,
            is_current=seed.current,
            reason=seed.reason,
            order=order,
        )
    if current:
        _rule_upsert(fund, current[0].kind, current[0].parameters)


def _spending_upsert(fund: Fund, recipient: Organisation, seed: Spending) -> None:
    report = _upsert(
        SpendingReport,
        {"fund": fund, "recipient": recipient, "period": seed.period},
        allocation_pence=seed.allocation_pence,
        uncommitted_pence=seed.uncommitted_pence,
        source=seed.source,
        source_url=seed.source_url,
        notes=seed.notes,
    )
    for category, amount_pence, note in seed.lines:
        _upsert(
            SpendingLine,
            {"report": report, "category": category},
            amount_pence=amount_pence,
            note=note,
        )
