"""Rows for each chart, one set of queries per page."""

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from funding import rules
from funding import selectors as funding_selectors
from funding import services as funding_services
from funding.models import Fund, SpendingReport
from funding.money import pence_to_pounds
from trusts.models import FoundationTrustStatus, Organisation, OrganisationName, Succession
from trusts.selectors import league_table, monthly_series, performance_by_organisation
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
        }
        for p in monthly_series(codes)
    ]


def announcements() -> list[dict]:
    return [
        {"month": f"{fund.announced_on:%Y-%m}", "label": fund.name[:40], "slug": fund.slug}
        for fund in Fund.objects.order_by("announced_on")
    ]


def league_rows(window: Window, types, limit: int) -> list[dict]:
    rows = league_table(window, types=types, limit=limit)
    funded = funding_selectors.funds_received_by([r.ods_code for r in rows])
    return [
        {
            "rank": r.rank,
            "ods_code": r.ods_code,
            "name": r.name,
            "attendances": r.attendances,
            "over_4h": r.over_4h,
            "percent": r.percent,
            "funds": funded.get(r.ods_code, []),
        }
        for r in rows
    ]


def fund_allocation_rows(fund: Fund) -> list[dict]:
    """The fund's current allocations, and a parent fund's waves' too, each with its fund."""
    return [
        {
            "fund": a.fund.name,
            "ods_code": a.recipient.ods_code,
            "name": a.recipient.name,
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


def funding_against_performance(
    *,
    fund: Fund | None,
    before: Window,
    after: Window,
    types: Sequence[str],
    region: str | None,
) -> list[dict]:
    """Each trust with A&E figures in the after window: money received, performance before and
    after, its change in points, and whether it was a foundation trust when the money came."""
    regions = [region] if region else None
    kinds = [Organisation.Kind.TRUST]
    after_rows = performance_by_organisation(after, types=types, kinds=kinds, regions=regions)
    before_rows = {
        r.ods_code: r
        for r in performance_by_organisation(before, types=types, kinds=kinds, regions=regions)
    }
    received = funding_selectors.received_by_recipient(fund=fund)
    ft_on = fund.announced_on if fund else after.start
    foundation = set(
        status.organisation.ods_code
        for status in FoundationTrustStatus.objects.select_related("organisation").filter(
            organisation__ods_code__in=[r.ods_code for r in after_rows]
        )
        if status.covers(ft_on)
    )
    rows = []
    for r in sorted(after_rows, key=lambda row: row.ods_code):
        was = before_rows.get(r.ods_code)
        money = received.get(r.ods_code, {"pence": 0, "funds": []})
        before_percent = was.percent if was else None
        rows.append(
            {
                "ods_code": r.ods_code,
                "name": r.name,
                "region": r.region,
                "foundation_trust": r.ods_code in foundation,
                "received": pence_to_pounds(money["pence"]),
                "received_per_1000_attendances": (
                    (pence_to_pounds(money["pence"]) * 1000 / r.attendances).quantize(
                        Decimal("0.01")
                    )
                ),
                "funds": money["funds"],
                "attendances_after": r.attendances,
                "percent_before": before_percent,
                "percent_after": r.percent,
                "change_points": (None if before_percent is None else r.percent - before_percent),
            }
        )
    return rows


def organisation_directory(*, kind: str, region: str | None, search: str) -> QuerySet:
    organisations = Organisation.objects.filter(kind=kind).order_by("name", "ods_code")
    if region:
        organisations = organisations.filter(region=region)
    if search:
        organisations = organisations.filter(Q(name__icontains=search) | Q(ods_code__iexact=search))
    return organisations


def directory_rows(organisations) -> list[dict]:
    """The listed organisations with what each received, read for these ones only."""
    organisations = list(organisations)
    received = funding_selectors.received_by_recipient(codes=[o.ods_code for o in organisations])
    nothing = {"pence": 0, "funds": []}
    return [
        {
            "ods_code": o.ods_code,
            "name": o.name,
            "region": o.region,
            "opened_on": o.opened_on,
            "closed_on": o.closed_on,
            "received": pence_to_pounds(received.get(o.ods_code, nothing)["pence"]),
            "funds": received.get(o.ods_code, nothing)["funds"],
        }
        for o in organisations
    ]


def regions() -> list[str]:
    return list(
        Organisation.objects.exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )


def organisation_profile(code: str) -> Organisation:
    return Organisation.objects.prefetch_related(
        Prefetch("names", queryset=OrganisationName.objects.order_by("valid_from")),
        "foundation_trust_statuses",
        "populations",
        Prefetch("successions", queryset=Succession.objects.select_related("successor")),
        Prefetch("predecessions", queryset=Succession.objects.select_related("predecessor")),
    ).get(ods_code=code)


def allocations_received(code: str) -> list[dict]:
    return [
        {
            "fund": a.fund.name,
            "slug": a.fund.slug,
            "month": f"{a.fund.announced_on:%Y-%m}",
            "basis": a.basis,
            "amount": pence_to_pounds(a.amount_pence),
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
