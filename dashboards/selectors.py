"""Rows for each chart, one set of queries per page."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Prefetch, Q, QuerySet

from funding import rules
from funding import selectors as funding_selectors
from funding import services as funding_services
from funding.models import Fund, SpendingReport
from funding.money import format_pounds_whole, pence_to_pounds, round_half_up
from impact import design
from impact import selectors as impact_selectors
from trusts.models import (
    FoundationTrustStatus,
    Organisation,
    OrganisationName,
    Succession,
    normalise_name,
)
from trusts.selectors import (
    PerformanceTable,
    change_in_points,
    league_table,
    monthly_deciles,
    monthly_series,
    named,
    percent_within_4h,
    performance_by_organisation,
)
from trusts.windows import Window

MEASURES = {"1": "Type 1 (major A&E)", "all": "All types"}


def monthly_performance(codes: Sequence[str] | None = None) -> list[dict]:
    """Type 1 and all types month by month, England's or the chosen organisations' together;
    a month no source covers has no percentage, so charts break there."""
    return [
        {
            "label": p.label,
            "types": p.measure,
            "series": MEASURES[p.measure],
            "attendances": p.attendances,
            "over_4h": p.over_4h,
            "percent": p.percent,
            "sources": "; ".join(p.sources),
            "weeks": p.weeks,
        }
        for p in monthly_series(codes)
    ]


def announcements() -> list[dict]:
    return [
        {"month": f"{fund.announced_on:%Y-%m}", "label": fund.name, "slug": fund.slug}
        for fund in Fund.objects.standing().order_by("announced_on")
    ]


@dataclass(frozen=True)
class FundRef:
    """A fund as a table names it: by its name, linked by its slug (a CSV cell holds the name)."""

    slug: str
    name: str
    financial_years: str = ""

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class YearAmount:
    """What a recipient received for one financial year (or the years a fund spans together,
    where it does not split its money by year)."""

    financial_years: str
    pence: int

    def __str__(self) -> str:
        return f"{self.financial_years}: {format_pounds_whole(self.pence)}"


def _named(received: dict[str, dict]) -> dict[str, dict]:
    """What each recipient received, its funds' slugs replaced by references with their names,
    and its money by financial year (one query for every fund)."""
    slugs = {slug for entry in received.values() for slug in entry["funds"]}
    funds = {
        slug: FundRef(slug, name, " and ".join(years))
        for slug, name, years in Fund.objects.filter(slug__in=slugs).values_list(
            "slug", "name", "financial_years"
        )
    }
    named = {}
    for code, entry in received.items():
        by_year: dict[str, int] = {}
        for slug, pence in entry.get("by_fund", {}).items():
            years = funds[slug].financial_years or "year not known"
            by_year[years] = by_year.get(years, 0) + pence
        named[code] = {
            **entry,
            "funds": [funds[slug] for slug in entry["funds"]],
            "by_year": [YearAmount(years, pence) for years, pence in sorted(by_year.items())],
        }
    return named


NOTHING_RECEIVED = {"pence": 0, "funds": [], "by_year": []}


def league_rows(window: Window, types, limit: int, regions: list[str] | None = None) -> list[dict]:
    """The worst trusts over the window, each with what it received from the funds in the
    tracker (published where a fund announced a figure, modelled otherwise) and which funds."""
    rows = league_table(window, types=types, limit=limit, regions=regions)
    received = _named(funding_selectors.received_by_recipient(codes=[r.ods_code for r in rows]))
    return [
        {
            "rank": r.rank,
            "ods_code": r.ods_code,
            "name": r.name,
            "region": r.region,
            "attendances": r.attendances,
            "over_4h": r.over_4h,
            "percent": r.percent,
            "received_pence": received.get(r.ods_code, NOTHING_RECEIVED)["pence"],
            "funds": received.get(r.ods_code, NOTHING_RECEIVED)["funds"],
        }
        for r in rows
    ]


def fund_allocation_rows(fund: Fund) -> list[dict]:
    """The fund's current allocations, and a parent fund's waves' too, each with its fund."""
    return [
        {
            "fund": a.fund.name,
            "financial_year": (
                a.tranche.financial_year
                if a.tranche and a.tranche.financial_year
                else " and ".join(a.fund.financial_years)
            ),
            "ods_code": a.recipient.ods_code,
            "name": a.recipient.name,
            "region": a.recipient.region,
            "kind": a.recipient.kind,
            "basis": a.basis,
            "amount": pence_to_pounds(a.amount_pence),
            "amount_pence": a.amount_pence,
            "rank": a.rank,
            "intermediary": a.intermediary.ods_code if a.intermediary else "",
            "rationale": a.rationale,
        }
        for a in funding_selectors.current_allocations(fund=fund, waves=True).order_by(
            "fund__announced_on", "basis", "rank", "-amount_pence"
        )
    ]


def scenario_comparison(fund: Fund) -> tuple[list[dict], list[dict]]:
    """The fund's scenarios side by side (current first), and for each other scenario who
    gains and who loses against the current one, by how much."""
    runs = funding_services.scenario_runs(fund=fund)
    if not runs:
        return [], []
    current = next((run for run in runs if run.scenario.is_current), runs[0])
    codes = {share.code for run in runs for share in run.shares}
    names = dict(Organisation.objects.filter(ods_code__in=codes).values_list("ods_code", "name"))
    trusts = set(
        Organisation.objects.filter(ods_code__in=codes, kind=Organisation.Kind.TRUST).values_list(
            "ods_code", flat=True
        )
    )
    foundation = {
        status.organisation.ods_code
        for status in FoundationTrustStatus.objects.filter(
            organisation__ods_code__in=trusts
        ).select_related("organisation")
        if status.covers(fund.announced_on)
    }
    summaries, changes = [], []
    for run in runs:
        moved = [] if run is current else rules.scenario_changes(current.shares, run.shares)
        gains = [c for c in moved if c.difference_pence > 0]
        losses = [c for c in moved if c.difference_pence < 0]
        summaries.append(
            {
                "name": run.scenario.name,
                "current": run.scenario.is_current,
                "reason": run.scenario.reason,
                "rule": rules.describe(run.scenario.kind, run.scenario.parameters),
                "recipients": len([s for s in run.shares if s.amount_pence]),
                "total_pence": run.total_pence,
                "error": run.error,
                "gainers": len(gains),
                "losers": len(losses),
                "gained_pence": sum(c.difference_pence for c in gains),
                "foundation_trusts": len({s.code for s in run.shares} & foundation),
                "nhs_trusts": len(({s.code for s in run.shares} & trusts) - foundation),
            }
        )
        changes += [
            {
                "scenario": run.scenario.name,
                "ods_code": change.code,
                "name": names.get(change.code, ""),
                "current": pence_to_pounds(change.current_pence),
                "scenario_amount": pence_to_pounds(change.other_pence),
                "difference": pence_to_pounds(change.difference_pence),
                "current_pence": change.current_pence,
                "scenario_pence": change.other_pence,
                "difference_pence": change.difference_pence,
            }
            for change in moved
        ]
    return summaries, changes


def group_total_rows(fund: Fund) -> list[dict]:
    """Each published group total the fund's rule names (London's £55m), against what the
    current run gives the group: published figures where there are any, modelled otherwise."""
    rule = getattr(fund, "rule", None)
    if rule is None or not rule.parameters.get("group_totals"):
        return []
    received = funding_selectors.received_by_recipient(fund=fund)
    amounts = {code: entry["pence"] for code, entry in received.items()}
    return [
        {
            "label": check.label,
            "required_pence": check.required_pence,
            "modelled_pence": check.modelled_pence,
            "shortfall_pence": check.shortfall_pence,
        }
        for check in rules.group_totals_check(amounts, rule.parameters["group_totals"])
    ]


@dataclass(frozen=True)
class FootprintNote:
    """A trust that closed between the windows, counted in the footprint of its successors."""

    code: str
    kind: str
    successors: tuple[str, ...]
    effective_on: dt.date
    unit: str  # the code of the footprint's row

    def __str__(self) -> str:
        return (
            f"{self.code} ({Succession.Kind(self.kind).label.lower()} "
            f"{' and '.join(self.successors)} on {self.effective_on:%-d %b %Y})"
        )


def _footprints(span: Window) -> tuple[dict[str, str], list[FootprintNote]]:
    """Each trust joined by a succession inside the span, and the code of its footprint (the
    last successor's): a trust whose hospitals moved between the windows changed size and case
    mix overnight, so each window is read over the same hospitals."""
    successions = impact_selectors.successions_in(span)
    unit_of, _, _ = design.footprints(successions, set())
    notes: dict[str, FootprintNote] = {}
    for predecessor, successor, effective_on, kind in successions:
        known = notes.get(predecessor)
        notes[predecessor] = FootprintNote(
            predecessor,
            kind,
            (*known.successors, successor) if known else (successor,),
            effective_on,
            unit_of[predecessor],
        )
    return unit_of, list(notes.values())


def funding_against_performance(
    *,
    fund: Fund | None,
    before: Window,
    after: Window,
    types: Sequence[str],
    region: str | None,
) -> tuple[list[dict], list[FootprintNote]]:
    """Each trust with A&E figures in the after window: money received, performance before and
    after, its change in points, and whether it was a foundation trust when the money came.
    Trusts joined by a succession between the windows are one row, their footprint, with the
    money of each; the notes say who was joined to whom."""
    regions = [region] if region else None
    kinds = [Organisation.Kind.TRUST]
    unit_of, notes = _footprints(Window(before.start, after.end))
    joined_into: dict[str, list[str]] = {}
    for code, unit in unit_of.items():
        if code != unit:
            joined_into.setdefault(unit, []).append(code)
    after_by_unit: dict[str, list] = {}
    for r in performance_by_organisation(after, types=types, kinds=kinds, regions=regions):
        after_by_unit.setdefault(unit_of.get(r.ods_code, r.ods_code), []).append(r)
    before_by_unit: dict[str, list] = {}
    for r in performance_by_organisation(before, types=types, kinds=kinds, regions=regions):
        before_by_unit.setdefault(unit_of.get(r.ods_code, r.ods_code), []).append(r)
    received_by_unit: dict[str, dict] = {}
    for code, money in _named(funding_selectors.received_by_recipient(fund=fund)).items():
        unit = received_by_unit.setdefault(unit_of.get(code, code), {"pence": 0, "funds": {}})
        unit["pence"] += money["pence"]
        unit["funds"] |= {f.slug: f for f in money["funds"]}
    ft_on = fund.announced_on if fund else after.start
    # The statuses of the trusts chosen, not of a list of every code: 1,500 codes as
    # parameters took 12 ms to send and plan at 10x England, the filter 2 ms.
    statuses = FoundationTrustStatus.objects.select_related("organisation").filter(
        organisation__kind__in=kinds
    )
    if regions:
        statuses = statuses.filter(organisation__region__in=regions)
    foundation = {status.organisation.ods_code for status in statuses if status.covers(ft_on)}
    closed_by_then = {note.code for note in notes if note.effective_on <= ft_on}
    rows = []
    for unit in sorted(after_by_unit):
        members = after_by_unit[unit]
        own = next((r for r in members if r.ods_code == unit), members[0])
        merged_with = sorted(joined_into.get(unit, ()))
        # A footprint is a foundation trust only if each of its trusts open when the money
        # came was one.
        open_then = {own.ods_code, *merged_with} - closed_by_then
        was = before_by_unit.get(unit, [])
        attendances = sum(r.attendances for r in members)
        over_4h = sum(r.over_4h for r in members)
        attendances_before = sum(r.attendances for r in was) or None
        over_4h_before = sum(r.over_4h for r in was) if was else None
        percent_after = percent_within_4h(attendances, over_4h)
        percent_before = (
            percent_within_4h(attendances_before, over_4h_before) if attendances_before else None
        )
        money = received_by_unit.get(unit, {"pence": 0, "funds": {}})
        rows.append(
            {
                "ods_code": own.ods_code,
                "name": f"{own.name} (with {', '.join(merged_with)})" if merged_with else own.name,
                "region": own.region,
                "foundation_trust": open_then <= foundation,
                "merged_with": ", ".join(merged_with),
                "received": pence_to_pounds(money["pence"]),
                "received_pence": money["pence"],
                "received_per_1000_attendances": _per_1000(money["pence"], attendances),
                "funds": list(money["funds"].values()),
                "attendances_after": attendances,
                "over_4h_after": over_4h,
                "attendances_before": attendances_before,
                "over_4h_before": over_4h_before,
                "percent_before": percent_before,
                "percent_after": percent_after,
                "change_points": (
                    change_in_points((attendances_before, over_4h_before), (attendances, over_4h))
                    if attendances_before
                    else None
                ),
            }
        )
    shown = {row["ods_code"] for row in rows}
    return rows, [note for note in notes if note.unit in shown]


def _per_1000(pence: int, attendances: int) -> Decimal:
    """Pounds per 1,000 attendances, to the penny, half a penny up as every amount here is
    rounded (Decimal's own quantize rounded £617,283.945 down, to the even penny)."""
    return pence_to_pounds(round_half_up(Fraction(pence * 1000, attendances)))


def performance_total(rows: Sequence[dict], label: str) -> dict:
    """One line for a group of trusts: what they received together, and their performance as
    one (breaches over attendances summed, not an average of percentages). The change is over
    the trusts with figures in both windows."""
    both = [r for r in rows if r["attendances_before"]]
    attendances = sum(r["attendances_after"] for r in rows)
    received_pence = sum(r["received_pence"] for r in rows)
    counts_before = (
        sum(r["attendances_before"] for r in both),
        sum(r["over_4h_before"] for r in both),
    )
    counts_after = (
        sum(r["attendances_after"] for r in both),
        sum(r["over_4h_after"] for r in both),
    )
    return {
        "label": label,
        "trusts": len(rows),
        "received_pence": received_pence,
        "received_per_1000_attendances": (
            _per_1000(received_pence, attendances) if attendances else None
        ),
        "percent_before": percent_within_4h(*counts_before),
        "percent_after": percent_within_4h(attendances, sum(r["over_4h_after"] for r in rows)),
        "change_points": change_in_points(counts_before, counts_after),
    }


def organisation_directory(*, kind: str, region: str | None, search: str) -> QuerySet:
    return _found(region, search).filter(kind=kind).order_by("name", "ods_code")


def found_among_kinds(*, region: str | None, search: str) -> dict[str, int]:
    """How many organisations of each kind the search finds: a reader who searched the wrong
    kind is pointed to the right one."""
    return dict(_found(region, search).values_list("kind").annotate(Count("pk")).order_by())


def _found(region: str | None, search: str) -> QuerySet:
    organisations = Organisation.objects.all()
    if region:
        organisations = organisations.filter(region=region)
    if search:
        organisations = organisations.filter(named(search) | Q(ods_code__iexact=search))
    return organisations


def directory_rows(organisations) -> list[dict]:
    """The listed organisations with what each received, read for these ones only."""
    organisations = list(organisations)
    received = _named(
        funding_selectors.received_by_recipient(codes=[o.ods_code for o in organisations])
    )
    return [
        {
            "ods_code": o.ods_code,
            "name": o.name,
            "region": o.region,
            "opened_on": o.opened_on,
            "closed_on": o.closed_on,
            "received_by_year": received.get(o.ods_code, NOTHING_RECEIVED)["by_year"],
            "funds": received.get(o.ods_code, NOTHING_RECEIVED)["funds"],
        }
        for o in organisations
    ]


def organisation_profile(code: str) -> Organisation:
    return Organisation.objects.prefetch_related(
        Prefetch("names", queryset=OrganisationName.objects.order_by("valid_from")),
        "foundation_trust_statuses",
        "populations",
        Prefetch("successions", queryset=Succession.objects.select_related("successor")),
        Prefetch("predecessions", queryset=Succession.objects.select_related("predecessor")),
    ).get(ods_code=code)


@dataclass(frozen=True)
class FormerName:
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None


def former_names(organisation: Organisation) -> list[FormerName]:
    """The dated names other than today's (spelling aside), each once over every source that
    dates it: sources that name trusts by name give today's name the dates of their files too,
    and two files the same old name overlapping dates. An open end in any source stays open."""
    current = normalise_name(organisation.name)
    by_name: dict[str, list[OrganisationName]] = {}
    for name in organisation.names.all():
        if name.normalised != current and (name.valid_from or name.valid_to):
            by_name.setdefault(name.normalised, []).append(name)
    spans = [
        FormerName(
            names[0].name,
            _bound([n.valid_from for n in names], min),
            _bound([n.valid_to for n in names], max),
        )
        for names in by_name.values()
    ]
    return sorted(spans, key=lambda span: span.valid_from or dt.date.min)


def _bound(days: list[dt.date | None], pick) -> dt.date | None:
    """The earliest start or latest end of a name's dates; None (open) if any source left it
    open."""
    return None if None in days else pick(days)


# How a kind of succession reads on the page of the organisation taken over and on the page of
# the one taking over, before the other organisations' names and after them.
SUCCESSION_WORDS = {
    Succession.Kind.MERGER: ("Merged into", "Merged into this organisation:", ""),
    Succession.Kind.ACQUISITION: ("Acquired by", "Acquired", ""),
    Succession.Kind.SPLIT: ("Split between", "Took on part of", ""),
    Succession.Kind.REPLACEMENT: ("Replaced by", "Replaced", " (reorganisation)"),
}


@dataclass(frozen=True)
class Change:
    """Organisations taken over or taking over on one day, in the words of the page's side;
    `others` are each organisation with its share of the one split, as text ("" if whole or
    not known)."""

    words: str
    others: list[tuple[Organisation, str]]
    suffix: str
    effective_on: dt.date


def _share(percent: Decimal | None) -> str:
    return f"{percent.normalize():f}%" if percent is not None and percent < 100 else ""


def changes(organisation: Organisation) -> list[Change]:
    """The organisation's mergers, acquisitions, splits and replacements, from either side,
    one line a kind and day (a split into three is one line naming all three, largest share
    first)."""
    grouped: dict[tuple, list[Succession]] = {}
    for succession in organisation.successions.all():
        grouped.setdefault((succession.effective_on, succession.kind, 0), []).append(succession)
    for succession in organisation.predecessions.all():
        grouped.setdefault((succession.effective_on, succession.kind, 1), []).append(succession)
    lines = []
    for (effective_on, kind, side), successions in sorted(grouped.items()):
        others = [
            (s.successor if side == 0 else s.predecessor, s.share_percent) for s in successions
        ]
        others.sort(key=lambda other: (-(other[1] or 0), other[0].name))
        words = SUCCESSION_WORDS[kind]
        lines.append(
            Change(
                words=words[side],
                others=[(other, _share(percent)) for other, percent in others],
                suffix=words[2],
                effective_on=effective_on,
            )
        )
    return lines


def allocations_received(code: str) -> list[dict]:
    return [
        {
            "fund": a.fund.name,
            "slug": a.fund.slug,
            "month": f"{a.fund.announced_on:%Y-%m}",
            "basis": a.basis,
            "amount": pence_to_pounds(a.amount_pence),
            "amount_pence": a.amount_pence,
            "intermediary": a.intermediary.ods_code if a.intermediary else "",
            "rationale": a.rationale,
        }
        for a in funding_selectors.current_allocations()
        .filter(recipient__ods_code=code)
        .order_by("fund__announced_on", "basis")
    ]


def peers(organisation: Organisation, window: Window) -> list[dict]:
    """Trusts in the same region over the window, worst first, this one among them."""
    rows = league_table(
        window, types=["1"], kinds=[organisation.kind], regions=[organisation.region]
    )
    return [
        {
            "rank": r.rank,
            "ods_code": r.ods_code,
            "name": r.name,
            "attendances": r.attendances,
            "percent": r.percent,
            "is_this": r.ods_code == organisation.ods_code,
        }
        for r in rows
    ]


def _spending_line(report: SpendingReport, category: str, pence: int) -> dict:
    share = None
    if report.allocation_pence:
        share = (Decimal(100 * pence) / report.allocation_pence).quantize(Decimal("0.1"))
    return {
        "fund": report.fund.name,
        "recipient_code": report.recipient.ods_code,
        "recipient": report.recipient.name,
        "period": report.period,
        "category": category,
        "amount": pence_to_pounds(pence),
        "amount_pence": pence,
        "percent_of_allocation": share,
    }


def spending_rows() -> tuple[list[SpendingReport], list[dict]]:
    """Every report with its lines, and one row per category (uncommitted last)."""
    reports = list(
        SpendingReport.objects.select_related("fund", "recipient")
        .prefetch_related("lines")
        .order_by("fund__announced_on", "recipient__name")
    )
    lines = [
        _spending_line(report, line.category, line.amount_pence)
        for report in reports
        for line in report.lines.all()
    ] + [
        _spending_line(report, "Uncommitted", report.uncommitted_pence)
        for report in reports
        if report.uncommitted_pence is not None
    ]
    return reports, lines


DECILES = tuple(range(10, 100, 10))


def trust_against_deciles(code: str, window: Window) -> list[dict]:
    """Month by month over the window: every trust's type 1 four-hour performance cut into
    national deciles (10th to 90th percentile), and this trust's own figure, as OpenPrescribing
    sets a practice against the deciles of all practices."""
    trusts = [Organisation.Kind.TRUST]
    own = {
        f"{row['period']:%Y-%m}": percent_within_4h(row["attendances"], row["over_4h"])
        for row in PerformanceTable(
            window, types=["1"], by="month", codes=[code], kinds=trusts
        ).table()
    }
    return [
        {
            "month": month.month,
            "trusts": month.organisations,
            **{
                f"p{decile}": cut.quantize(Decimal("0.01"))
                for decile, cut in zip(DECILES, month.cuts, strict=True)
            },
            "percent": own.get(month.month),
        }
        for month in monthly_deciles(window, types=["1"], kinds=trusts)
    ]


def deciles_summary(rows: Sequence[dict], name: str) -> str:
    """The chart's text alternative: where the trust sat against the deciles."""
    months = [r for r in rows if r["percent"] is not None]
    if not months:
        return f"{name} has no type 1 figures in these months."
    latest = months[-1]
    below_median = sum(1 for r in months if r["percent"] < r["p50"])
    bottom = sum(1 for r in months if r["percent"] < r["p10"])
    band = sum(1 for decile in DECILES if latest["percent"] >= latest[f"p{decile}"])
    where = (
        "below the national 10th percentile"
        if band == 0
        else "at or above the national 90th percentile"
        if band == 9
        else f"between the national {band * 10}th and {band * 10 + 10}th percentiles"
    )
    return (
        f"{name} was below the national median in {below_median} of {len(months)} months, and "
        f"in the bottom tenth of trusts in {bottom}. In its latest month here "
        f"({_month_words(latest['month'])}) it saw {latest['percent']}% within four hours, "
        f"{where}."
    )


def _month_words(label: str) -> str:
    return f"{dt.date.fromisoformat(label + '-01'):%b %Y}"
