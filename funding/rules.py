"""Allocation rules as plain functions: candidates in, shares out, every penny accounted for.

Nothing here touches the database; `funding.services` gathers the candidates and stores
the shares. Missing inputs stop a rule with an error naming them: they never count as zero.
"""

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from .money import format_pounds, largest_remainder, pounds_to_pence, round_half_up, round_to_total

DEPARTMENT_TYPES = ("1", "2", "other")
POPULATION_BASES = ("registered", "resident")
PRO_RATA_METRICS = ("population", "budget_pence", "attendances", "over_4h", "metric")
# Each group of a quota, as prose names one member and many.
GROUPS = {
    "foundation_trust": ("foundation trust", "foundation trusts"),
    "nhs_trust": ("NHS trust", "NHS trusts"),
}


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str = ""
    population: int | None = None
    budget_pence: int | None = None
    attendances: int | None = None
    over_4h: int | None = None
    metric: Decimal | None = None
    excluded: bool = False
    intermediary: str | None = None
    group: str | None = None  # for quotas: "foundation_trust" or "nhs_trust" when announced
    # The closed organisations whose figures it holds: it took them over before the money came.
    took_over: tuple[str, ...] = ()


@dataclass(frozen=True)
class Share:
    code: str
    amount_pence: int
    rank: int | None
    rationale: str
    details: dict = field(default_factory=dict)


class RuleError(ValueError):
    pass


class MissingInputs(RuleError):
    LABELS = {
        "population": "population",
        "budget_pence": "baseline budget",
        "performance": "A&E figures in the window",
        "attendances": "attendances",
        "over_4h": "four-hour breaches",
        "metric": "metric value",
    }

    def __init__(self, field_name: str, codes: Sequence[str]):
        self.field = field_name
        self.codes = sorted(codes)
        label = self.LABELS.get(field_name, field_name)
        super().__init__(
            f"No {label} for {len(self.codes)} eligible organisation"
            f"{'s' if len(self.codes) != 1 else ''}: {', '.join(self.codes)}"
        )


class ParameterError(RuleError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


def _percent(numerator: Fraction) -> str:
    return f"{float(numerator * 100):.2f}%"


def _require(candidates: Sequence[Candidate], attribute: str) -> None:
    missing = [c.code for c in candidates if getattr(c, attribute) is None]
    if missing:
        raise MissingInputs(attribute, missing)


def _ordered(shares: list[Share]) -> list[Share]:
    return sorted(shares, key=lambda share: (share.rank is None, share.rank or 0, share.code))


def fixed(published: Sequence[tuple[str, int]]) -> list[Share]:
    seen: set[str] = set()
    shares = []
    for code, pence in published:
        if code in seen:
            raise RuleError(f"{code} is listed twice")
        if pence < 0:
            raise RuleError(f"{code} has a negative amount")
        seen.add(code)
        shares.append(Share(code, pence, None, f"{format_pounds(pence)} as published", {}))
    return _ordered(shares)


def per_capita(
    candidates: Sequence[Candidate], *, rate_pence: int, cap_pence: int | None
) -> list[Share]:
    _require(candidates, "population")
    uncapped = {c.code: c.population * rate_pence for c in candidates}
    total = sum(uncapped.values())
    capped = cap_pence is not None and total > cap_pence
    amounts = (
        largest_remainder(cap_pence, {c.code: c.population for c in candidates})
        if capped
        else uncapped
    )
    rate = format_pounds(rate_pence)
    shares = []
    for c in candidates:
        rationale = f"{c.population:,} people × {rate} = {format_pounds(uncapped[c.code])}"
        if capped:
            rationale += (
                f"; scaled to the {format_pounds(cap_pence)} cap "
                f"({format_pounds(total)} asked for in all)"
            )
        shares.append(
            Share(
                c.code,
                amounts[c.code],
                None,
                rationale,
                {"population": c.population, "rate_pence": rate_pence, "capped": capped},
            )
        )
    return _ordered(shares)


def performance(candidate: Candidate) -> Fraction:
    return 1 - Fraction(candidate.over_4h, candidate.attendances)


def rank_by_performance(
    candidates: Sequence[Candidate],
) -> list[tuple[int, Candidate, Fraction]]:
    """Worst four-hour performance first; equal performance is ranked by code."""
    missing = [c.code for c in candidates if not c.attendances or c.over_4h is None]
    if missing:
        raise MissingInputs("performance", missing)
    ordered = sorted(candidates, key=lambda c: (performance(c), c.code))
    return [(rank, c, performance(c)) for rank, c in enumerate(ordered, start=1)]


def _weights(chosen: Sequence[Candidate], share: str) -> dict[str, int]:
    if share == "equal":
        return {c.code: 1 for c in chosen}
    attribute = {"attendances": "attendances", "breaches": "over_4h", "population": "population"}[
        share
    ]
    _require(chosen, attribute)
    return {c.code: getattr(c, attribute) for c in chosen}


def _share_words(share: str, weight: int, weights_total: int) -> str:
    if share == "equal":
        return "an equal share"
    noun = {"attendances": "attendances", "breaches": "breaches", "population": "people"}[share]
    return f"pro rata to {weight:,} {noun} ({_percent(Fraction(weight, weights_total))})"


def worst_in_words(rank: int) -> str:
    """1 is "the worst", 2 "the 2nd worst", 11 "the 11th worst", 21 "the 21st worst"."""
    if rank == 1:
        return "the worst"
    last = {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"the {rank}{'th' if rank % 100 in (11, 12, 13) else last} worst"


def _chosen_worst(
    ranked: list[tuple[int, Candidate, Fraction]],
    *,
    n: int,
    named: Sequence[str],
    quotas: dict[str, int] | None,
) -> list[tuple[int, Candidate, Fraction]]:
    """Named recipients first; then the worst of the rest, overall or within each group up to
    its quota (Monitor and the TDA each choosing among their own trusts)."""
    by_code = {entry[1].code: entry for entry in ranked}
    missing = [code for code in named if code not in by_code]
    if missing:
        raise MissingInputs("performance", missing)
    chosen = [by_code[code] for code in dict.fromkeys(named)]
    rest = [entry for entry in ranked if entry[1].code not in set(named)]
    if not quotas:
        chosen += rest[: max(n - len(chosen), 0)]
    else:
        if sum(quotas.values()) != n:
            raise RuleError(f"the quotas add up to {sum(quotas.values())}, not {n}")
        ungrouped = [entry[1].code for entry in ranked if entry[1].group not in quotas]
        if ungrouped:
            raise RuleError(f"no quota group for {', '.join(sorted(ungrouped))}")
        for group, quota in quotas.items():
            already = sum(1 for entry in chosen if entry[1].group == group)
            if already > quota:
                raise RuleError(
                    f"{already} named {GROUPS[group][already != 1]}, more than the quota {quota}"
                )
            chosen += [entry for entry in rest if entry[1].group == group][: quota - already]
    return sorted(chosen, key=lambda entry: entry[0])


@dataclass(frozen=True)
class RankCutOff:
    """Where rank decided a worst-N rule: within a quota group (or the one ranking, group
    None), midway between the last trust chosen by rank and the first passed over."""

    group: str | None
    percent: Fraction  # four-hour performance, in percent, exactly
    chosen: int  # trusts chosen by rank (named recipients are not)
    passed_over: int


def rank_cut_offs(
    candidates: Sequence[Candidate],
    *,
    n: int,
    named: Sequence[str] = (),
    quotas: dict[str, int] | None = None,
) -> list[RankCutOff]:
    """Each ranking's cut-off, as worst_n chooses. Named recipients are chosen whatever their
    rank, so they set no cut-off and sit on neither side of one; a ranking that chose all its
    trusts, or none, has no cut-off."""
    ranked = rank_by_performance(candidates)
    chosen = {entry[1].code for entry in _chosen_worst(ranked, n=n, named=named, quotas=quotas)}
    rankings: dict[str | None, list[tuple[Candidate, Fraction]]] = {}
    for _, c, value in ranked:
        if c.code not in set(named):
            rankings.setdefault(c.group if quotas else None, []).append((c, value))
    cut_offs = []
    for group, entries in rankings.items():
        taken = sum(1 for c, _ in entries if c.code in chosen)
        if 0 < taken < len(entries):
            middle = (entries[taken - 1][1] + entries[taken][1]) / 2
            cut_offs.append(RankCutOff(group, middle * 100, taken, len(entries) - taken))
    return cut_offs


def worst_n(
    candidates: Sequence[Candidate],
    *,
    n: int,
    total_pence: int,
    share: str,
    named: Sequence[str] = (),
    quotas: dict[str, int] | None = None,
) -> list[Share]:
    ranked = rank_by_performance(candidates)
    chosen = _chosen_worst(ranked, n=n, named=named, quotas=quotas)
    weights = _weights([c for _, c, _ in chosen], share)
    amounts = largest_remainder(total_pence, weights)
    weights_total = sum(weights.values())
    group_ranks: dict[str, int] = {}
    within: dict[str, str] = {}
    for _, c, _ in ranked:
        group_ranks[c.group or ""] = group_ranks.get(c.group or "", 0) + 1
        if quotas:
            within[c.code] = f"; {worst_in_words(group_ranks[c.group])} of the {GROUPS[c.group][1]}"
    return _ordered(
        [
            Share(
                c.code,
                amounts[c.code],
                rank,
                ("Named by a source as a recipient; " if c.code in named else "")
                + f"Ranked {rank} of {len(ranked)} on four-hour performance "
                f"{_percent(value)} ({c.over_4h:,} of {c.attendances:,} attendances over "
                f"4 hours){within.get(c.code, '')}; "
                f"{_share_words(share, weights[c.code], weights_total)} "
                f"of {format_pounds(total_pence)}",
                {
                    "rank": rank,
                    "of": len(ranked),
                    "performance_percent": f"{float(value * 100):.2f}",
                    "attendances": c.attendances,
                    "over_4h": c.over_4h,
                    **({"named": True} if c.code in named else {}),
                    **({"group": c.group} if quotas else {}),
                },
            )
            for rank, c, value in chosen
        ]
    )


@dataclass(frozen=True)
class GroupTotalCheck:
    """A published total for a named group of recipients against what the model gives them."""

    label: str
    required_pence: int
    modelled_pence: int

    @property
    def shortfall_pence(self) -> int:
        return max(self.required_pence - self.modelled_pence, 0)


def group_totals_check(
    amounts: dict[str, int], group_totals: Sequence[dict]
) -> list[GroupTotalCheck]:
    """Each group's "at least" total met or missed by `amounts` (pence by code)."""
    return [
        GroupTotalCheck(
            group["label"],
            pounds_to_pence(group["at_least"]),
            sum(amounts.get(code, 0) for code in group["codes"]),
        )
        for group in group_totals
    ]


def complement(candidates: Sequence[Candidate], *, total_pence: int, share: str) -> list[Share]:
    chosen = [c for c in candidates if not c.excluded]
    if not chosen:
        raise RuleError("every eligible organisation is already funded by the excluded funds")
    weights = _weights(chosen, share)
    amounts = largest_remainder(total_pence, weights)
    weights_total = sum(weights.values())
    left_out = len(candidates) - len(chosen)
    return _ordered(
        [
            Share(
                c.code,
                amounts[c.code],
                None,
                f"Not funded by the excluded funds (one of {len(chosen)}; {left_out} left out); "
                f"{_share_words(share, weights[c.code], weights_total)} of "
                f"{format_pounds(total_pence)}",
                {"weight": weights[c.code]},
            )
            for c in chosen
        ]
    )


def top_slice(candidates: Sequence[Candidate], *, percent: Decimal) -> list[Share]:
    _require(candidates, "budget_pence")
    rate = Fraction(percent) / 100
    # Each organisation gives its own percentage, so amounts are rounded, not rescaled.
    exact = {c.code: c.budget_pence * rate for c in candidates}
    amounts = round_to_total(exact, round_half_up(sum(exact.values(), Fraction(0))))
    return _ordered(
        [
            Share(
                c.code,
                amounts[c.code],
                None,
                f"{percent}% of a {format_pounds(c.budget_pence)} baseline budget"
                + (
                    f" (the budgets of {' and '.join(c.took_over)}, which it took over)"
                    if c.took_over
                    else ""
                ),
                {"budget_pence": c.budget_pence, "percent": str(percent)},
            )
            for c in candidates
        ]
    )


def pro_rata(candidates: Sequence[Candidate], *, total_pence: int, metric: str) -> list[Share]:
    if metric not in PRO_RATA_METRICS:
        raise RuleError(f"{metric!r} is not one of {', '.join(PRO_RATA_METRICS)}")
    _require(candidates, metric)
    weights = {c.code: Fraction(getattr(c, metric)) for c in candidates}
    amounts = largest_remainder(total_pence, weights)
    whole = sum(weights.values())
    return _ordered(
        [
            Share(
                c.code,
                amounts[c.code],
                None,
                f"{getattr(c, metric):,} {metric.replace('_', ' ')} "
                f"({_percent(weights[c.code] / whole) if whole else '0.00%'}) of "
                f"{format_pounds(total_pence)}",
                {metric: str(getattr(c, metric))},
            )
            for c in candidates
        ]
    )


@dataclass(frozen=True)
class Change:
    """One recipient's money under another scenario against the current one."""

    code: str
    current_pence: int
    other_pence: int

    @property
    def difference_pence(self) -> int:
        return self.other_pence - self.current_pence


def scenario_changes(current: Sequence[Share], other: Sequence[Share]) -> list[Change]:
    """Everyone either scenario pays, biggest gain under the other scenario first, then
    biggest loss last; recipients paid the same are left out."""
    now = {share.code: share.amount_pence for share in current}
    then = {share.code: share.amount_pence for share in other}
    changes = [
        Change(code, now.get(code, 0), then.get(code, 0))
        for code in sorted(now.keys() | then.keys())
        if now.get(code, 0) != then.get(code, 0)
    ]
    return sorted(changes, key=lambda change: (-change.difference_pence, change.code))


# --- Parameters a fund admin types, checked before anything runs ---------------------------

Check = Callable[[object], object]


def _pounds(value) -> str:
    pence = pounds_to_pence(value if isinstance(value, str | int) else str(value))
    if pence <= 0:
        raise ValueError("must be more than £0")
    return f"{pence // 100}.{pence % 100:02d}"


def _positive_int(minimum: int) -> Check:
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError("must be a whole number")
        try:
            number = int(value)
        except ValueError:
            raise ValueError("must be a whole number") from None
        if number < minimum:
            raise ValueError(f"must be at least {minimum}")
        return number

    check.minimum = minimum
    return check


def _choice(options: Sequence[str]) -> Check:
    def check(value):
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return value

    check.options = tuple(options)  # what a form offers: the check is the one list of them
    return check


# Wide of any data the product holds (from 2010), and far enough from the calendar's ends
# that a window's months can be counted either side.
EARLIEST_DATE, LATEST_DATE = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def _date(value) -> str:
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError("must be a date written YYYY-MM-DD") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(f"must be a date from {EARLIEST_DATE} to {LATEST_DATE}")
    return day.isoformat()


def _strings(allowed: Sequence[str] | None = None) -> Check:
    def check(value):
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a non-empty list of names")
        if allowed:
            unknown = [v for v in value if v not in allowed]
            if unknown:
                raise ValueError(f"{', '.join(unknown)} not among {', '.join(allowed)}")
        return value

    check.options = tuple(allowed or ())
    check.many = True
    return check


def _quotas(value) -> dict[str, int]:
    if not isinstance(value, dict) or not value:
        raise ValueError(f"must map groups ({', '.join(GROUPS)}) to how many each chooses")
    unknown = [group for group in value if group not in GROUPS]
    if unknown:
        raise ValueError(f"{', '.join(unknown)} not among {', '.join(GROUPS)}")
    return {group: _positive_int(0)(count) for group, count in value.items()}


def _group_totals(value) -> list[dict]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a list of {label, codes, at_least}")
    cleaned = []
    for group in value:
        if not isinstance(group, dict) or set(group) != {"label", "codes", "at_least"}:
            raise ValueError("each group needs exactly a label, codes and at_least")
        cleaned.append(
            {
                "label": str(group["label"]),
                "codes": _strings()(group["codes"]),
                "at_least": _pounds(group["at_least"]),
            }
        )
    return cleaned


def _percent_value(value) -> str:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not 0 < number <= 100:
        raise ValueError("must be more than 0 and at most 100")
    return str(number)


def spending_faults(
    allocation_pence: int | None, uncommitted_pence: int | None, lines: Sequence[tuple[str, int]]
) -> dict[str, str]:
    """Why a spending report cannot reconcile, by the part at fault ("lines", "uncommitted"):
    each category once, whatever its case, and neither the lines nor the uncommitted money
    beyond the allocation, when one is given."""
    lines_faults, faults = [], {}
    counts: dict[str, list[str]] = {}
    for category, _ in lines:
        counts.setdefault(category.strip().casefold(), []).append(category)
    lines_faults += [
        f"{written[-1]!r} is listed {len(written)} times"
        for written in counts.values()
        if len(written) > 1
    ]
    if allocation_pence is not None:
        given = format_pounds(allocation_pence)
        spent = sum(amount for _, amount in lines)
        if spent > allocation_pence:
            lines_faults.append(
                f"add up to {format_pounds(spent)}, more than the allocation of {given}"
            )
        if (uncommitted_pence or 0) > allocation_pence:
            faults["uncommitted"] = f"is more than the allocation of {given}"
    if lines_faults:
        faults["lines"] = "; ".join(lines_faults)
    return faults


def financial_year_checked(value) -> str:
    """An NHS financial year as funds write it ("2015-16"), or ValueError."""
    text = str(value)
    if not re.fullmatch(r"\d{4}-\d{2}", text) or int(text[5:]) != (int(text[:4]) + 1) % 100:
        raise ValueError("must be a financial year such as 2015-16")
    return text


WINDOW = {"window_from": _date, "window_to": _date, "department_types": _strings(DEPARTMENT_TYPES)}
POPULATION = {"population_basis": _choice(POPULATION_BASES), "population_date": _date}

# What a rule reads besides its parameters: funding.selectors fetches each of these, and an
# import of one of them recomputes the funds whose rules read it.
PUBLISHED = "published amounts"
POPULATIONS = "populations"
BUDGETS = "baseline budgets"
AE_FIGURES = "A&E figures"
OTHER_FUNDS = "other funds' allocations"


@dataclass(frozen=True)
class RuleKind:
    """Everything about one kind of rule; the rest of the project looks kinds up here."""

    key: str
    label: str  # what the admin's list of kinds shows
    description: str  # what the rule does, in plain words, for the admin's help text
    accepts: dict[str, Check]  # every parameter it accepts, with the check of its value
    requires: frozenset[str]  # the parameters it cannot run without
    reads: frozenset[str]  # every input any rule of the kind may read
    # The shares from candidates and cleaned parameters; None for a list published as it
    # stands, which is the allocation itself and computes nothing.
    compute: Callable[[Sequence[Candidate], dict], list[Share]] | None
    words: Callable[[dict], str]  # one rule of the kind, in plain words
    # The inputs one rule reads, where its parameters choose among `reads`.
    reads_for: Callable[[dict], frozenset[str]] | None = None
    # Whether four-hour performance in its window chose who is paid (directly, or as those
    # another fund's ranking left out): the impact analysis keeps its "before" clear of it.
    chooses_on_performance: bool = False

    def inputs(self, parameters: dict) -> frozenset[str]:
        return self.reads_for(parameters) if self.reads_for else self.reads


# Each kind of organisation (trusts.models.Organisation.Kind) as prose names one and many.
KIND_NOUNS = {
    "trust": ("trust", "trusts"),
    "ccg": ("CCG", "CCGs"),
    "pct": ("PCT", "PCTs"),
    "pct_cluster": ("PCT cluster", "PCT clusters"),
    "sha": ("strategic health authority", "strategic health authorities"),
    "nhse_region": ("NHS England region", "NHS England regions"),
    "area_team": ("NHS England area team", "NHS England area teams"),
    "local_authority": ("local authority", "local authorities"),
    "hwb": ("health and wellbeing board", "health and wellbeing boards"),
    "other_provider": ("other A&E provider", "other A&E providers"),
    "national": ("national body", "national bodies"),
}


def _kinds_words(p: dict, *, plural: bool = False) -> str:
    kinds = p.get("eligible_kinds", [])
    # A kind not listed (parameters are checked as names, not against the model's kinds) is
    # named as stored rather than breaking the fund's page.
    return " or ".join(KIND_NOUNS.get(kind, (kind, kind))[plural] for kind in kinds) or (
        "organisations" if plural else "organisation"
    )


def _window_words(p: dict) -> str:
    if "window_from" not in p:
        return ""
    types = ", ".join(p.get("department_types", []))
    return f" over {p['window_from']} to {p['window_to']} (A&E type {types})"


SHARE_WORDS = {
    "equal": "in equal shares",
    "attendances": "pro rata to attendances",
    "breaches": "pro rata to four-hour breaches",
    "population": "pro rata to population",
}


def _pounds_words(value) -> str:
    return f"£{Decimal(value):,.2f}"


def _per_capita_words(p: dict) -> str:
    cap = f", up to {_pounds_words(p['cap'])} in all" if "cap" in p else ""
    return (
        f"{_pounds_words(p['rate'])} per head of {p['population_basis']} population on "
        f"{p['population_date']} for each eligible {_kinds_words(p)}{cap}."
    )


def _worst_n_words(p: dict) -> str:
    kinds, named = _kinds_words(p, plural=True), p.get("named") or []
    # The named count towards N: the rest are the worst of the others.
    others = max(p["n"] - len(named), 0)
    whom = (
        f"{len(named) + others} {kinds}: the {len(named)} recipients named by sources "
        f"({', '.join(named)}) and the {others} others"
        if named
        else f"the {p['n']} {kinds}"
    )
    quotas = (
        " ranked within groups: "
        + " and ".join(
            f"{count} {GROUPS[group][count != 1]}" for group, count in p["quotas"].items()
        )
        if p.get("quotas")
        else ""
    )
    return (
        f"{_pounds_words(p['total'])} to {whom} "
        f"with the lowest four-hour performance{_window_words(p)}{quotas}, "
        f"{SHARE_WORDS[p['share']]}."
    )


def _complement_words(p: dict) -> str:
    return (
        f"{_pounds_words(p['total'])} to every eligible {_kinds_words(p)} not funded by "
        f"{', '.join(p['excluded_funds'])}, {SHARE_WORDS[p['share']]}{_window_words(p)}."
    )


def _pro_rata_reads(p: dict) -> frozenset[str]:
    return frozenset(
        {"population": {POPULATIONS}, "budget_pence": {BUDGETS}}.get(p.get("metric"), {AE_FIGURES})
    )


def _complement_reads(p: dict) -> frozenset[str]:
    return frozenset(
        {AE_FIGURES, OTHER_FUNDS} | ({POPULATIONS} if p.get("share") == "population" else set())
    )


def _total(p: dict) -> int:
    return pounds_to_pence(p["total"])


RULE_KINDS = (
    RuleKind(
        key="fixed",
        label="Published list of recipients and amounts",
        description="The recipients and amounts a source published, as they stand: upload "
        "them as the fund's published allocations; nothing is computed.",
        accepts={},
        requires=frozenset(),
        reads=frozenset({PUBLISHED}),
        compute=None,
        words=lambda p: "The published list of recipients and amounts.",
    ),
    RuleKind(
        key="per_capita",
        label="Rate per head of population",
        description="A rate in pounds per head of each eligible organisation's population "
        "on a date, optionally scaled down to a cap on the whole.",
        accepts={"rate": _pounds, "cap": _pounds, "eligible_kinds": _strings(), **POPULATION},
        requires=frozenset({"rate", "eligible_kinds", *POPULATION}),
        reads=frozenset({POPULATIONS}),
        compute=lambda candidates, p: per_capita(
            candidates,
            rate_pence=pounds_to_pence(p["rate"]),
            cap_pence=pounds_to_pence(p["cap"]) if "cap" in p else None,
        ),
        words=_per_capita_words,
    ),
    RuleKind(
        key="worst_n",
        label="The N worst four-hour performers",
        description="A total shared among the N organisations with the lowest share of A&E "
        "patients seen within four hours over a window: sources' named recipients first, "
        "optionally chosen within groups (quotas), in equal shares or pro rata.",
        accepts={
            "n": _positive_int(1),
            "total": _pounds,
            "share": _choice(("equal", "attendances", "breaches")),
            "near_miss": _positive_int(0),
            "eligible_kinds": _strings(),
            "named": _strings(),
            "quotas": _quotas,
            "group_totals": _group_totals,
            **WINDOW,
        },
        requires=frozenset({"n", "total", "share", "eligible_kinds", *WINDOW}),
        reads=frozenset({AE_FIGURES}),
        compute=lambda candidates, p: worst_n(
            candidates,
            n=p["n"],
            total_pence=_total(p),
            share=p["share"],
            named=p.get("named", ()),
            quotas=p.get("quotas"),
        ),
        words=_worst_n_words,
        chooses_on_performance=True,
    ),
    RuleKind(
        key="complement",
        label="Everyone not funded by another fund",
        description="A total shared among the eligible organisations that reported A&E "
        "figures and got nothing from the funds named as excluded, equally or pro rata.",
        accepts={
            "total": _pounds,
            "share": _choice(("equal", "population", "attendances")),
            "eligible_kinds": _strings(),
            "excluded_funds": _strings(),
            **WINDOW,
            **POPULATION,
        },
        requires=frozenset({"total", "share", "eligible_kinds", "excluded_funds"}),
        reads=frozenset({AE_FIGURES, OTHER_FUNDS, POPULATIONS}),
        reads_for=_complement_reads,
        compute=lambda candidates, p: complement(
            candidates, total_pence=_total(p), share=p["share"]
        ),
        words=_complement_words,
        chooses_on_performance=True,
    ),
    RuleKind(
        key="top_slice",
        label="Percentage of each organisation's budget",
        description="Each eligible organisation gives a percentage of its baseline budget "
        "for a financial year; the fund is what they give together.",
        accepts={
            "percent": _percent_value,
            "eligible_kinds": _strings(),
            "budget_year": financial_year_checked,
        },
        requires=frozenset({"percent", "eligible_kinds", "budget_year"}),
        reads=frozenset({BUDGETS}),
        compute=lambda candidates, p: top_slice(candidates, percent=Decimal(p["percent"])),
        words=lambda p: (
            f"{p['percent']}% of each {_kinds_words(p)}'s {p['budget_year']} baseline budget."
        ),
    ),
    RuleKind(
        key="pro_rata",
        label="Shares of a stored metric",
        description="A total shared among the eligible organisations in proportion to a "
        "figure stored for each: population, baseline budget, attendances or breaches.",
        accepts={
            "total": _pounds,
            "metric": _choice(PRO_RATA_METRICS),
            "eligible_kinds": _strings(),
            **WINDOW,
            **POPULATION,
        },
        requires=frozenset({"total", "metric", "eligible_kinds"}),
        reads=frozenset({POPULATIONS, BUDGETS, AE_FIGURES}),
        reads_for=_pro_rata_reads,
        compute=lambda candidates, p: pro_rata(
            candidates, total_pence=_total(p), metric=p["metric"]
        ),
        words=lambda p: (
            f"{_pounds_words(p['total'])} shared among {_kinds_words(p, plural=True)} pro rata to "
            f"{p['metric']}."
        ),
    ),
)
KINDS: dict[str, RuleKind] = {kind.key: kind for kind in RULE_KINDS}


def kind_choices() -> list[tuple[str, str]]:
    """The kinds as a model field's choices (a callable, so a new kind needs no migration)."""
    return [(kind.key, kind.label) for kind in RULE_KINDS]


def rule_kind(key: str) -> RuleKind:
    if key not in KINDS:
        raise ParameterError({"kind": f"{key!r} is not one of {', '.join(KINDS)}"})
    return KINDS[key]


def validate_parameters(
    kind: str,
    parameters,
    *,
    fund_total_pence: int | None = None,
    recipient_kinds: Sequence[str] | None = None,
) -> dict:
    """The cleaned parameters, or ParameterError naming every field at fault;
    `recipient_kinds`, when given, are the kinds of organisation eligible_kinds may name."""
    rule = rule_kind(kind)
    accepted, required = rule.accepts, set(rule.requires)
    if not isinstance(parameters, dict):
        raise ParameterError({"parameters": "must be a JSON object"})
    share = parameters.get("share")
    if share in ("attendances", "breaches"):
        required |= set(WINDOW)
    if share == "population" or parameters.get("metric") == "population":
        required |= set(POPULATION)
    errors: dict[str, str] = {}
    cleaned: dict = {}
    for name in sorted(set(parameters) - set(accepted)):
        errors[name] = f"is not a parameter of a {kind} rule"
    for name in sorted(required - set(parameters)):
        errors[name] = "is required"
    for name, check in accepted.items():
        if name not in parameters:
            continue
        try:
            cleaned[name] = check(parameters[name])
        except ValueError as error:
            errors[name] = str(error)
    if recipient_kinds is not None:
        unknown = [k for k in cleaned.get("eligible_kinds", []) if k not in recipient_kinds]
        if unknown:
            errors["eligible_kinds"] = (
                f"{', '.join(unknown)} not among {', '.join(recipient_kinds)}"
            )
    if cleaned.get("window_from", "") > cleaned.get("window_to", "9999"):
        errors["window_to"] = "must not be before window_from"
    named = set(cleaned.get("named", ()))
    if "n" in cleaned and len(named) > cleaned["n"]:
        # Every named recipient is paid: N counts them.
        errors["n"] = f"is fewer than the {len(named)} recipients named"
    if fund_total_pence is not None:
        for name in ("total", "cap"):
            if name in cleaned and pounds_to_pence(cleaned[name]) > fund_total_pence:
                errors[name] = f"exceeds the fund's total of {format_pounds(fund_total_pence)}"
    if errors:
        raise ParameterError(errors)
    return cleaned


def describe(kind: str, parameters: dict) -> str:
    """The rule in plain words, for the fund page and the admin."""
    if kind not in KINDS:
        raise RuleError(f"{kind!r} is not a rule kind")
    return KINDS[kind].words(parameters)


def shares(kind: str, candidates: Sequence[Candidate], parameters: dict) -> list[Share]:
    """What a rule of this kind computes from candidates and its cleaned parameters."""
    compute = rule_kind(kind).compute
    if compute is None:
        raise RuleError(f"a {kind} rule computes nothing: its published list is the allocation")
    return compute(candidates, parameters)
