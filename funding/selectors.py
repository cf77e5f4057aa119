"""Reads for the funding app: a rule's inputs, its fingerprint, and what funds allocated."""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce

from trusts.models import (
    BaselineBudget,
    FoundationTrustStatus,
    Organisation,
    Population,
    Succession,
)
from trusts.selectors import performance_by_organisation
from trusts.windows import Window

from . import rules
from .models import (
    Allocation,
    AllocationRule,
    AllocationRun,
    Fund,
    PublishedAllocation,
    Scenario,
    Tranche,
)


def _window(parameters: dict) -> Window:
    return Window(
        dt.date.fromisoformat(parameters["window_from"]),
        dt.date.fromisoformat(parameters["window_to"]),
    )


def _reporting_candidates(parameters: dict) -> dict[str, rules.Candidate]:
    """Organisations of the eligible kinds that reported A&E figures in the window."""
    rows = performance_by_organisation(
        _window(parameters),
        types=parameters["department_types"],
        kinds=parameters["eligible_kinds"],
    )
    return {
        row.ods_code: rules.Candidate(
            row.ods_code, row.name, attendances=row.attendances, over_4h=row.over_4h
        )
        for row in rows
    }


def _populations(organisations, parameters: dict) -> dict[str, int]:
    basis, day = (
        parameters["population_basis"],
        dt.date.fromisoformat(parameters["population_date"]),
    )
    stored = Population.objects.filter(basis=basis)
    if not stored.filter(as_of=day).exists():
        dates = sorted({d.isoformat() for d in stored.values_list("as_of", flat=True)})
        raise rules.RuleError(
            f"No {basis} population is dated {day.isoformat()}; the dates stored are "
            f"{', '.join(dates) or 'none'}"
        )
    return dict(
        stored.filter(organisation__in=organisations, as_of=day).values_list(
            "organisation__ods_code", "people"
        )
    )


def _open_organisations(kinds, day: dt.date) -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind__in=kinds).filter(
        Q(opened_on__isnull=True) | Q(opened_on__lte=day),
        Q(closed_on__isnull=True) | Q(closed_on__gte=day),
    )


def _none_open(kinds, day: dt.date) -> str:
    """Why no organisation of these kinds is a candidate on this day, in words."""
    first = Organisation.objects.filter(kind__in=kinds).aggregate(Min("opened_on"))[
        "opened_on__min"
    ]
    message = (
        f"No organisation of the eligible kinds ({', '.join(kinds)}) was open on the "
        f"population date, {day:%-d %B %Y}"
    )
    if first and first > day:
        return f"{message}: the first opened on {first:%-d %B %Y}; choose a later date"
    return message


def pct_of_ccgs() -> dict[str, str]:
    """Each CCG's main predecessor PCT: the one that gave it the largest share of postcodes."""
    best: dict[str, tuple[Decimal, str]] = {}
    for ccg, pct, share in Succession.objects.filter(
        predecessor__kind=Organisation.Kind.PCT, successor__kind=Organisation.Kind.CCG
    ).values_list("successor__ods_code", "predecessor__ods_code", "share_percent"):
        key = (share or Decimal(0), pct)
        if ccg not in best or key > best[ccg]:
            best[ccg] = key
    return {ccg: pct for ccg, (_, pct) in best.items()}


def excluded_recipients(slugs: list[str]) -> set[str]:
    """The recipients of the named funds' current runs. A withdrawn fund pays nobody."""
    funds = dict(Fund.objects.filter(slug__in=slugs).values_list("slug", "status"))
    if unknown := sorted(set(slugs) - set(funds)):
        raise rules.RuleError(f"no fund has the slug(s) named as excluded: {', '.join(unknown)}")
    current = set(
        Fund.objects.filter(slug__in=slugs, runs__is_current=True).values_list("slug", flat=True)
    )
    waiting = sorted(
        slug for slug, status in funds.items() if slug not in current and status != "withdrawn"
    )
    if waiting:
        raise rules.RuleError(
            f"no current allocations yet for the excluded fund(s): {', '.join(waiting)}"
        )
    return set(
        Allocation.objects.filter(
            fund__slug__in=slugs, run__is_current=True, amount_pence__gt=0
        ).values_list("recipient__ods_code", flat=True)
    )


def _successors_on(codes: Iterable[str], day: dt.date) -> dict[str, str]:
    """The organisation each of these closed ones had become by `day`, through successions to
    one successor each (a split names no single one, so its organisation stays itself)."""
    following: dict[str, set[str]] = {}
    for predecessor, successor in Succession.objects.filter(effective_on__lte=day).values_list(
        "predecessor__ods_code", "successor__ods_code"
    ):
        following.setdefault(predecessor, set()).add(successor)
    became = {}
    for code in codes:
        now, seen = code, {code}
        while len(following.get(now, ())) == 1 and (now := next(iter(following[now]))) not in seen:
            seen.add(now)
        became[code] = now
    return became


def _budget_holders(kinds: list[str], year: str) -> list[rules.Candidate]:
    """Each organisation's baseline budget for the year, a closed organisation's with the one
    that held it when the year began: budgets were set ahead (2015-16's in 2013), and money
    for the year went to whoever existed in it."""
    budgets = list(
        BaselineBudget.objects.filter(
            organisation__kind__in=kinds, financial_year=year
        ).values_list("organisation__ods_code", "organisation__closed_on", "amount_pence")
    )
    start = dt.date(int(year[:4]), 4, 1)
    closed = [code for code, closed_on, _ in budgets if closed_on and closed_on < start]
    became = _successors_on(closed, start)
    held: dict[str, int] = {}
    took_over: dict[str, list[str]] = {}
    for code, _, pence in budgets:
        holder = became.get(code, code)
        held[holder] = held.get(holder, 0) + pence
        if holder != code:
            took_over.setdefault(holder, []).append(code)
    names = dict(Organisation.objects.filter(ods_code__in=held).values_list("ods_code", "name"))
    return [
        rules.Candidate(
            code, names[code], budget_pence=pence, took_over=tuple(sorted(took_over.get(code, ())))
        )
        for code, pence in held.items()
    ]


def rule_candidates(*, rule: AllocationRule) -> list[rules.Candidate]:
    """Everything the rule reads, as plain values for funding.rules; its kind says what."""
    p = rule.parameters
    reads = rules.KINDS[rule.kind].inputs(p)
    if reads == {rules.PUBLISHED}:
        return []
    if reads == {rules.POPULATIONS}:
        day = dt.date.fromisoformat(p["population_date"])
        organisations = list(_open_organisations(p["eligible_kinds"], day))
        if not organisations:
            raise rules.RuleError(_none_open(p["eligible_kinds"], day))
        people = _populations(organisations, p)
        intermediaries = pct_of_ccgs() if rule.fund.route == Fund.Route.VIA_PCT_CLUSTERS else {}
        return [
            rules.Candidate(
                org.ods_code,
                org.name,
                population=people.get(org.ods_code),
                intermediary=intermediaries.get(org.ods_code),
            )
            for org in organisations
        ]
    if reads == {rules.BUDGETS}:
        return _budget_holders(p["eligible_kinds"], p["budget_year"])
    candidates = _reporting_candidates(p)
    if p.get("quotas"):
        return _grouped_by_status(candidates.values(), rule.fund.announced_on)
    if rules.OTHER_FUNDS in reads:
        excluded = excluded_recipients(p["excluded_funds"])
        people = (
            _populations(Organisation.objects.filter(ods_code__in=candidates), p)
            if rules.POPULATIONS in reads
            else {}
        )
        return [
            rules.Candidate(
                c.code,
                c.name,
                attendances=c.attendances,
                over_4h=c.over_4h,
                population=people.get(c.code),
                excluded=c.code in excluded,
            )
            for c in candidates.values()
        ]
    return list(candidates.values())


def _grouped_by_status(
    candidates: Iterable[rules.Candidate], day: dt.date
) -> list[rules.Candidate]:
    """Candidates grouped as foundation trusts or NHS trusts on the day (the announcement),
    from the product's own records of foundation-trust status."""
    foundation = {
        status.organisation.ods_code
        for status in FoundationTrustStatus.objects.select_related("organisation")
        if status.covers(day)
    }
    return [
        replace(c, group="foundation_trust" if c.code in foundation else "nhs_trust")
        for c in candidates
    ]


@dataclass(frozen=True)
class Published:
    """A published figure as a run reads it: ids and values, no model instances."""

    recipient_id: int
    ods_code: str
    tranche_id: int | None
    amount_pence: int
    source: str


def published_allocations(fund: Fund) -> list[Published]:
    return [
        Published(*row)
        for row in PublishedAllocation.objects.filter(fund=fund).values_list(
            "recipient_id", "recipient__ods_code", "tranche_id", "amount_pence", "source"
        )
    ]


FOOTING_RULE = "a recipient is listed by tranche or for the whole fund, not both"


def published_on_other_footing(
    *, fund_id: int, tranche_id: int | None, recipient_ids: list[int], exclude_pk=None
) -> dict[int, str]:
    """Of these recipients, those the fund already publishes on the other footing (for the
    whole fund when a tranche is given, in a tranche when not), each with where, in words.

    Both at once would pay a recipient twice, and the rows have no common order."""
    rows = PublishedAllocation.objects.filter(fund_id=fund_id, recipient_id__in=recipient_ids)
    rows = rows.filter(tranche__isnull=tranche_id is not None).exclude(pk=exclude_pk)
    return {
        recipient_id: f"in tranche '{name}'" if name else "for the whole fund"
        for recipient_id, name in rows.values_list("recipient_id", "tranche__name")
    }


def published_footing_check(published: list[Published]) -> None:
    """Raises ValueError, in plain words, if a recipient is published both ways at once."""
    whole_fund = {p.recipient_id for p in published if p.tranche_id is None}
    for p in published:
        if p.tranche_id is not None and p.recipient_id in whole_fund:
            name = Tranche.objects.get(pk=p.tranche_id).name
            raise ValueError(
                f"{p.ods_code} is published both for the whole fund and in tranche '{name}'; "
                f"{FOOTING_RULE}: correct the fund's published allocations"
            )


@dataclass(frozen=True)
class RunInputs:
    """Everything a run reads, read once, and its digest: equal digests, equal allocations."""

    published: list[Published]
    candidates: list[rules.Candidate]
    error: Exception | None  # reading the rule's inputs failed (a missing population, say)
    fingerprint: str


def run_inputs(*, fund: Fund) -> RunInputs:
    rule = getattr(fund, "rule", None)
    published = published_allocations(fund)
    candidates: list[rules.Candidate] = []
    error = None
    if rule:
        try:
            candidates = rule_candidates(rule=rule)
        except (rules.RuleError, KeyError, ValueError) as failure:
            error = failure
    digest_of = {
        "fund_total": fund.total_pence,
        "rule": [rule.kind, rule.version, rule.parameters] if rule else None,
        "candidates": (
            [f"error: {error}"] if error else sorted((asdict(c) for c in candidates), key=str)
        ),
        # The source too: the allocations quote it.
        "published": sorted(
            ((p.ods_code, p.tranche_id, p.amount_pence, p.source) for p in published),
            # An untranched row sorts before a tranche's, rather than failing to compare.
            key=lambda row: (row[0], row[1] is not None, row[1] or 0, row[2], row[3]),
        ),
    }
    encoded = json.dumps(digest_of, sort_keys=True, default=str).encode()
    return RunInputs(published, candidates, error, hashlib.sha256(encoded).hexdigest())


def inputs_fingerprint(*, fund: Fund) -> str:
    return run_inputs(fund=fund).fingerprint


def current_allocations(*, fund: Fund | None = None, waves: bool = False) -> QuerySet[Allocation]:
    """The current runs' allocations; with `waves`, a parent fund's include its waves'."""
    rows = Allocation.objects.filter(run__is_current=True)
    if fund is not None:
        rows = rows.filter(fund__in=fund_and_wave_ids(fund.pk)) if waves else rows.filter(fund=fund)
    return rows.select_related("recipient", "intermediary", "tranche", "fund")


def fund_totals(fund: Fund) -> dict:
    """Announced, allocated by the current runs (published and modelled), and paid; a parent
    fund's allocations are its own and its waves' together."""
    rows = current_allocations(fund=fund, waves=True)
    by_basis = dict(
        rows.values("basis").annotate(total=Sum("amount_pence")).values_list("basis", "total")
    )
    return {
        "announced_pence": fund.total_pence,
        "modelled_pence": by_basis.get(Allocation.Basis.MODELLED, 0),
        "published_pence": by_basis.get(Allocation.Basis.PUBLISHED, 0),
        "paid_pence": fund.total_pence if fund.status == Fund.Status.PAID else 0,
        "recipient_count": rows.order_by().values("recipient").distinct().count(),
        "waves": list(fund.waves.order_by("announced_on", "slug")),
    }


def fund_and_waves(fund_id) -> QuerySet[Fund]:
    """The ids of a fund and of its waves (`fund_id` a value or an outer reference), for
    reading their allocations by the fund index: "fund = f OR fund.parent = f" joined every
    allocation to its fund (36 s to list 500 funds' totals at 200,000 allocations, 0.8 s this
    way; 0.1 s a query for one fund's at that scale)."""
    return Fund.objects.filter(Q(pk=fund_id) | Q(parent=fund_id)).values("pk")


def fund_and_wave_ids(fund_id: int) -> list[int]:
    """The ids of a fund and of its waves, read first: filtered by these values, a list of
    their allocations is planned without the funds table (planning that subquery's join took
    8 of a one-fund list's 10 ms on PostgreSQL)."""
    return list(fund_and_waves(fund_id).values_list("pk", flat=True))


def fund_ids(slug: str, *, waves: bool = False) -> list[int]:
    """The id of the fund with this slug (none if no fund has it), with `waves` its waves' ids
    too, in one query."""
    funds = Fund.objects.filter(slug=slug)
    if waves:
        funds = Fund.objects.filter(Q(slug=slug) | Q(parent__slug=slug))
    return list(funds.values_list("pk", flat=True))


def _fund_and_waves_current_allocations() -> QuerySet[Allocation]:
    """The current allocations of the outer fund and of its waves, as one group."""
    return (
        Allocation.objects.filter(
            run__is_current=True, fund__in=fund_and_waves(OuterRef(OuterRef("pk")))
        )
        .order_by()
        .values("run__is_current")
    )


def funds_with_totals() -> QuerySet[Fund]:
    """Every fund not withdrawn, with its current runs' totals and recipients, a parent
    fund's rolled up from its waves (a recipient of both halves counts once).

    The totals are the ones each current run recorded: summing 500 funds' allocations (three
    passes over 200,000 rows) took 0.2 s. Only a parent's recipients are counted from its
    allocations, since a recipient of two waves is one recipient."""

    def summed_over_current_runs(field: str) -> Coalesce:
        runs = (
            AllocationRun.objects.filter(
                is_current=True, fund__in=fund_and_waves(OuterRef(OuterRef("pk")))
            )
            .order_by()
            .values("is_current")
        )
        return Coalesce(Subquery(runs.annotate(total=Sum(field)).values("total")), 0)

    family_recipients = Coalesce(
        Subquery(
            _fund_and_waves_current_allocations()
            .annotate(count=Count("recipient", distinct=True))
            .values("count")
        ),
        0,
    )
    current_scenario = Scenario.objects.filter(fund=OuterRef("pk"), is_current=True)
    return (
        Fund.objects.standing()
        .annotate(
            current_scenario=Subquery(current_scenario.values("name")[:1]),
            modelled_pence=summed_over_current_runs("total_pence"),
            published_pence=summed_over_current_runs("published_pence"),
            recipient_count=Case(
                When(Exists(Fund.objects.filter(parent=OuterRef("pk"))), then=family_recipients),
                default=summed_over_current_runs("recipient_count"),
                output_field=IntegerField(),
            ),
        )
        .order_by("announced_on", "slug")
    )


def funds_depending_on(fund: Fund, slug: str | None = None) -> list[Fund]:
    """Funds whose rule reads this fund's allocations (excludes its recipients), naming it by
    its slug (or by `slug`, the one it is stored with)."""
    kinds = [kind.key for kind in rules.RULE_KINDS if rules.OTHER_FUNDS in kind.reads]
    named = slug or fund.slug
    return [
        rule.fund
        for rule in AllocationRule.objects.filter(kind__in=kinds).select_related("fund")
        if named in rule.parameters.get("excluded_funds", [])
    ]


@dataclass(frozen=True)
class FormedLater:
    """A recipient formed, from organisations of its kind, after the fund's years began."""

    ods_code: str
    name: str
    took_over: tuple[str, ...]
    effective_on: dt.date

    def __str__(self) -> str:
        return (
            f"{self.name} ({self.ods_code}) took over {' and '.join(self.took_over)} on "
            f"{self.effective_on:%-d %b %Y}, after the fund's years began: the figures the rule "
            "read count them as one, so it is paid what they held."
        )


def recipients_formed_later(fund: Fund) -> list[FormedLater]:
    """Current recipients that took over organisations of their own kind after the start of the
    fund's first year: the rule's figures (a population count of 2015, say) know only them. A
    rule that reads A&E figures alone reads each trust's own, the ones it took over apart."""
    rule = getattr(fund, "rule", None)
    read = rules.KINDS[rule.kind].inputs(rule.parameters) if rule else frozenset()
    if not fund.financial_years or (
        rules.AE_FIGURES in read and not read & {rules.POPULATIONS, rules.BUDGETS}
    ):
        return []
    start = dt.date(int(min(fund.financial_years)[:4]), 4, 1)
    later = Succession.objects.filter(
        successor__in=current_allocations(fund=fund).values("recipient"),
        effective_on__gt=start,
        predecessor__kind=F("successor__kind"),
    ).order_by("successor__ods_code", "predecessor__ods_code")
    formed: dict[str, FormedLater] = {}
    for code, name, predecessor, effective_on in later.values_list(
        "successor__ods_code", "successor__name", "predecessor__ods_code", "effective_on"
    ):
        known = formed.get(code)
        formed[code] = FormedLater(
            code, name, (*known.took_over, predecessor) if known else (predecessor,), effective_on
        )
    return list(formed.values())


def tranche_delete_refusal(tranche: Tranche) -> str | None:
    """Why this tranche cannot be deleted on its own, if it cannot: runs allocated from it."""
    runs = sorted(set(Allocation.objects.filter(tranche=tranche).values_list("run", flat=True)))
    if not runs:
        return None
    named = f"run {runs[0]}" if len(runs) == 1 else f"runs {', '.join(map(str, runs))}"
    return (
        f"{tranche.name} cannot be deleted: {named} allocated money from it, and a run's rows "
        "are the record of what it allocated. Correct its name or amount instead (the fund "
        "is recomputed), or withdraw the fund."
    )


def funds_received_by(codes: list[str]) -> dict[str, list[str]]:
    """The slugs of the funds whose current runs gave each of these organisations money."""
    return {code: entry["funds"] for code, entry in received_by_recipient(codes=codes).items()}


def as_received(rows: QuerySet[Allocation]) -> QuerySet[Allocation]:
    """Leaves out each modelled allocation whose run publishes a figure for the same
    recipient: the published figure is what it received (as received_by_recipient counts),
    so nobody is listed twice."""
    published = Allocation.objects.filter(
        run=OuterRef("run"), recipient=OuterRef("recipient"), basis=Allocation.Basis.PUBLISHED
    )
    return rows.exclude(Q(basis=Allocation.Basis.MODELLED) & Exists(published))


def received_by_recipient(
    *,
    fund: Fund | None = None,
    codes: list[str] | None = None,
    kinds: list[str] | None = None,
) -> dict[str, dict]:
    """What each recipient (or each of these, or of these kinds) received from the current
    runs: published where a fund announced a figure for it, modelled otherwise, so nobody is
    counted twice. Keyed by ODS code, with the pence, the funds' slugs and the pence from
    each (by_fund)."""
    per_fund: dict[tuple[str, str], dict[str, int]] = {}
    # Amounts of nothing too: a published £0 is a figure, and the modelled one is not used.
    rows = current_allocations(fund=fund)
    if kinds is not None:
        rows = rows.filter(recipient__kind__in=kinds)
    if codes is not None:
        rows = rows.filter(recipient__ods_code__in=codes)
    totals = (
        rows.order_by()
        .values_list("recipient__ods_code", "fund__slug", "basis")
        .annotate(total=Sum("amount_pence"))
    )
    for code, slug, basis, pence in totals:
        per_fund.setdefault((code, slug), {})[basis] = pence
    received: dict[str, dict] = {}
    for (code, slug), by_basis in sorted(per_fund.items()):
        pence = by_basis.get(Allocation.Basis.PUBLISHED, by_basis.get(Allocation.Basis.MODELLED))
        if not pence:
            continue
        entry = received.setdefault(code, {"pence": 0, "funds": [], "by_fund": {}})
        entry["pence"] += pence
        entry["funds"].append(slug)
        entry["by_fund"][slug] = pence
    return received


@dataclass(frozen=True)
class HistoryEntry:
    """One change to a fund or to something it owns, in words an admin can read."""

    at: dt.datetime
    who: str
    what: str
    action: str
    changes: list[str]
    reason: str


# What the history leaves out: keys, and timestamps that change on every save.
_HISTORY_SKIPPED = {"id", "fund", "updated_at"}
_HISTORY_ACTIONS = {"+": "added", "~": "changed", "-": "removed"}


def _history_value(name: str, value) -> str:
    if value is None or value == "":
        return "(blank)"
    if name.endswith("_pence") and isinstance(value, int):
        return rules.format_pounds(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _history_changes(record) -> list[str]:
    fields = [
        f.attname for f in record.instance_type._meta.fields if f.name not in _HISTORY_SKIPPED
    ]
    previous = record.prev_record
    if record.history_type == "-":
        return []
    if previous is None:
        return [
            f"{name}: {_history_value(name, getattr(record, name))}"
            for name in fields
            if getattr(record, name) not in (None, "", [], {})
        ]
    return [
        f"{name}: {_history_value(name, getattr(previous, name))} → "
        f"{_history_value(name, getattr(record, name))}"
        for name in fields
        if getattr(previous, name) != getattr(record, name)
    ]


def fund_history(*, fund: Fund) -> list[HistoryEntry]:
    """Every recorded change to the fund, its sources, status steps, tranches and their
    conditions, rule, scenarios and published allocations, newest first, with amounts in
    pounds and whole parameter values."""
    from .models import FundSource, FundStatusChange, Tranche, TrancheCondition

    tranche_names = dict(
        Tranche.history.filter(fund_id=fund.pk).order_by("history_date").values_list("id", "name")
    )
    records = [
        *((record, "Fund") for record in fund.history.all()),
        *(
            (record, "Rule")
            for record in AllocationRule.history.filter(fund_id=fund.pk).order_by("history_date")
        ),
        *(
            (record, f"Tranche “{record.name}”")
            for record in Tranche.history.filter(fund_id=fund.pk)
        ),
        *(
            (record, f"Condition of tranche “{tranche_names[record.tranche_id]}”")
            for record in TrancheCondition.history.filter(tranche_id__in=tranche_names)
        ),
        *(
            (record, f"Status step “{record.get_status_display()}”")
            for record in FundStatusChange.history.filter(fund_id=fund.pk)
        ),
        *(
            (record, f"Scenario “{record.name}”")
            for record in Scenario.history.filter(fund_id=fund.pk)
        ),
        *(
            (record, f"Source “{record.title}”")
            for record in FundSource.history.filter(fund_id=fund.pk)
        ),
        *(
            (record, f"Published allocation to {record.recipient.ods_code}")
            for record in PublishedAllocation.history.filter(fund_id=fund.pk).select_related(
                "recipient"
            )
        ),
    ]
    entries = [
        HistoryEntry(
            at=record.history_date,
            who=str(record.history_user or "—"),
            what=what + (f" version {record.version}" if what == "Rule" else ""),
            action=_HISTORY_ACTIONS[record.history_type],
            changes=_history_changes(record),
            reason=record.history_change_reason or "",
        )
        for record, what in records
    ]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


@dataclass(frozen=True)
class PreviewRow:
    """One recipient in a rule's preview, beside what the current run gives it."""

    code: str
    name: str
    rank: int | None
    current_pence: int
    preview_pence: int
    rationale: str

    @property
    def change_pence(self) -> int:
        return self.preview_pence - self.current_pence


def preview_against_current(
    *, fund: Fund, kind: str, shares: list[rules.Share]
) -> list[PreviewRow]:
    """The preview's shares with names, beside the current allocations of the same basis
    (published for a fixed list, modelled otherwise); recipients that would lose out too."""
    published = rules.KINDS[kind].compute is None
    basis = Allocation.Basis.PUBLISHED if published else Allocation.Basis.MODELLED
    current = dict(
        current_allocations(fund=fund)
        .filter(basis=basis)
        .order_by()
        .values_list("recipient__ods_code")
        .annotate(total=Sum("amount_pence"))
    )
    previewed = {share.code: share for share in shares}
    codes = [share.code for share in shares] + sorted(set(current) - set(previewed))
    names = dict(Organisation.objects.filter(ods_code__in=codes).values_list("ods_code", "name"))
    return [
        PreviewRow(
            code=code,
            name=names.get(code, ""),
            rank=previewed[code].rank if code in previewed else None,
            current_pence=current.get(code, 0),
            preview_pence=previewed[code].amount_pence if code in previewed else 0,
            rationale=previewed[code].rationale if code in previewed else "Not selected",
        )
        for code in codes
    ]


def run_outcome(run) -> str:
    """How a run ended (or where it is), in words for the fund's admin page."""
    status = run.Status
    if run.status == status.SUCCEEDED:
        return (
            f"Succeeded: {run.recipient_count or 0:,} recipients, "
            f"{rules.format_pounds(run.total_pence or 0)} modelled"
            + (" (current)" if run.is_current else "")
        )
    if run.status == status.FAILED:
        return f"Failed, so the previous allocations stay current: {run.error}"
    if run.status == status.SKIPPED:
        return "Skipped: " + " ".join(run.notes or ["nothing changed since the current run."])
    if run.status == status.RUNNING:
        return f"Running ({run.progress}% done)"
    return "Waiting for a worker"


def published_totals(fund: Fund, *, leaving_out: Q | None = None) -> dict[Tranche | None, int]:
    """What the fund's stored published rows add up to, by tranche (None: the whole fund's),
    leaving out the rows an edit is about to replace."""
    rows = PublishedAllocation.objects.filter(fund=fund)
    if leaving_out is not None:
        rows = rows.exclude(leaving_out)
    sums = dict(rows.order_by().values_list("tranche").annotate(total=Sum("amount_pence")))
    tranches = Tranche.objects.in_bulk([pk for pk in sums if pk is not None])
    return {tranches[pk] if pk is not None else None: total for pk, total in sums.items()}


def published_beyond(fund: Fund, totals: dict[Tranche | None, int]) -> list[str]:
    """Why published amounts adding up to these totals, by tranche (None: the whole fund's),
    and being every one the fund has, cannot all be its: a tranche's beyond the tranche, or
    all of them beyond the fund."""
    problems = [
        f"the amounts published in {tranche.name} add up to {rules.format_pounds(total)}, "
        f"more than the {rules.format_pounds(tranche.amount_pence)} tranche"
        for tranche, total in totals.items()
        if tranche is not None and total > tranche.amount_pence
    ]
    everything = sum(totals.values())
    if fund.total_pence is not None and everything > fund.total_pence:
        problems.append(
            f"the amounts add up to {rules.format_pounds(everything)}, more than the "
            f"{rules.format_pounds(fund.total_pence)} fund"
        )
    return problems
