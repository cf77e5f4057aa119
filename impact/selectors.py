"""Panels for the impact analysis, read from stored A&E counts and each fund's current run.

Periods are calendar months numbered from the month of the announcement (0), so an event
study reads "months before and after the money"; a weekly figure belongs to the month that
holds its week's end, as it does in every other window of the product.
"""

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from funding import rules
from funding.models import AllocationRule, Fund
from funding.selectors import received_by_recipient, rule_candidates
from lib.lazy import lazy_import
from trusts.models import Organisation, Succession
from trusts.selectors import (
    STANDARD_PERCENT,
    WEEK_RULE,
    activity_in,
    grain_for,
    league_table,
    months_missing,
    months_without_figures,
    performance_by_organisation,
    performance_series,
    summary_in,
    weeks_answer,
)
from trusts.windows import Window

from . import design, stats

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_import("numpy")  # only when an analysis is computed: lib.lazy says why

CONTROLS = {
    "unfunded": "trusts that no fund paid in these windows",
    "other_funds": "every other trust with A&E figures, paid by other funds or not",
    "near_miss": "the near misses: trusts ranked just outside the cut-off",
}

CAVEAT = (
    "This is an association, not proof that the money caused the change. It compares how "
    "four-hour performance changed at funded trusts with how it changed at the comparison "
    "trusts, from a winter before the rule looked at anyone's figures to the winter of the "
    "money. It cannot rule out anything else that changed at funded trusts at the same time, "
    "and where the comparison trusts had money of their own (in 2013-14 a second wave went to "
    "every A&E the first left out) it compares more money with less, not money with none."
)

DEFAULT_TYPES = ("1",)


class ImpactUnavailable(ValueError):
    """The fund cannot be analysed as asked; the message says why, for a reader."""


@dataclass(frozen=True)
class Comparison:
    control: str
    description: str
    control_codes: tuple[str, ...]
    estimate: stats.Estimate | None
    event_study: tuple[stats.EventPoint, ...]
    error: str = ""
    # Trusts kept out of this comparison, or in it, because other funds paid them: code -> funds.
    paid_by_other_funds: tuple[tuple[str, tuple[str, ...]], ...] = ()
    weighted_estimate: stats.Estimate | None = None
    pretrend: stats.PretrendTest | None = None
    pretrend_missing: str = ""
    placebos: tuple["Placebo", ...] = ()


@dataclass(frozen=True)
class Placebo:
    """The same design moved earlier, where no money was: it should find nothing."""

    years_earlier: int
    before: Window
    after: Window
    estimate: stats.Estimate | None
    error: str = ""


@dataclass(frozen=True)
class Impact:
    fund: Fund
    before: Window
    after: Window
    announced_month: dt.date
    types: tuple[str, ...]
    types_found: tuple[str, ...]
    grain: str
    treated_codes: tuple[str, ...]
    comparisons: tuple[Comparison, ...]
    window_warnings: tuple[str, ...] = ()
    discontinuity: "CutOff | None" = None
    footprint_changes: tuple[design.FootprintChange, ...] = ()
    # Trusts without figures in every month of the span: left out of every comparison.
    incomplete_codes: tuple[str, ...] = ()
    caveat: str = CAVEAT

    def comparison(self, control: str) -> Comparison:
        return next(c for c in self.comparisons if c.control == control)

    @property
    def lead_warning(self) -> str:
        """What a reader must see before any estimate: trends that were not parallel."""
        failed = [c for c in self.comparisons if c.pretrend and c.pretrend.fails]
        if not failed:
            return ""
        worst = max(failed, key=lambda c: c.pretrend.f_stat)
        test = worst.pretrend
        p = "p < 0.001" if test.p_value < 0.001 else f"p = {test.p_value:.3f}"
        return (
            f"Before the money, the funded trusts were not moving in step with the comparison "
            f"trusts ({'; '.join(c.description for c in failed)}): the monthly gaps before the "
            f"announcement are not all zero (strongest joint test "
            f"F = {test.f_stat:.2f} on {test.df_num} and {test.df_denom} degrees of freedom, {p}). "
            f"A difference in differences assumes they were, so the estimates below cannot be "
            f"read as the money's effect."
            + (
                " A rule that picks the worst performers picks trusts in a bad spell, so their "
                "gap in the months it ranked them on is expected; the event study shows where "
                "the gaps are."
                if self.discontinuity
                else ""
            )
        )

    def month_of(self, period: int) -> dt.date:
        return _month_add(self.announced_month, period)


def _month_number(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _month_add(month: dt.date, months: int) -> dt.date:
    number = _month_number(month) + months
    return dt.date(number // 12, number % 12 + 1, 1)


def selection_window(fund: Fund) -> Window | None:
    """The months whose A&E figures chose the recipients: a worst_n rule ranks trusts on
    them, a complement rule takes those another fund's ranking of them left out. Other rules
    select on no outcome."""
    rule = AllocationRule.objects.filter(fund=fund).first()
    if rule is None or not rules.KINDS[rule.kind].chooses_on_performance:
        return None
    p = rule.parameters
    if "window_from" not in p:
        return None
    return Window(dt.date.fromisoformat(p["window_from"]), dt.date.fromisoformat(p["window_to"]))


def window_warnings(fund: Fund, before: Window, after: Window) -> tuple[str, ...]:
    """Why these windows cannot be read as the fund's effect (impact.design.window_warnings)."""
    return design.window_warnings(
        before, after, announced_on=fund.announced_on, selection=selection_window(fund)
    )


def treated_codes(fund: Fund) -> set[str]:
    """Trusts that the fund's current run gave money, as the pages count what each received
    (a published amount where there is one, even of nothing; modelled otherwise)."""
    return set(received_by_recipient(fund=fund, kinds=[Organisation.Kind.TRUST]))


def near_miss_codes(fund: Fund, treated: set[str]) -> list[str]:
    """Trusts ranked just below the worst_n rule's cut-off, as many as its near_miss option."""
    rule = AllocationRule.objects.filter(fund=fund).first()
    if rule is None or rule.kind != AllocationRule.Kind.WORST_N:
        raise ImpactUnavailable(
            "near misses need a fund shared by a worst_n rule: they are the trusts ranked just "
            "outside its cut-off"
        )
    p = rule.parameters
    width = p.get("near_miss") or p["n"]
    ranked = league_table(
        Window(dt.date.fromisoformat(p["window_from"]), dt.date.fromisoformat(p["window_to"])),
        types=p["department_types"],
        kinds=p["eligible_kinds"],
    )
    outside = [row.ods_code for row in ranked[p["n"] :] if row.ods_code not in treated]
    return outside[:width]


def monthly_panel(
    span: Window, *, types: Sequence[str], grain: str | None = None, announced_month: dt.date
) -> tuple[list[stats.PanelRow], set[str]]:
    """Every trust's counts by month over the span, in one query; and the types found.

    Without a grain each month uses its own figures (trusts.selectors.WEEK_RULE)."""
    rows = summary_in(span, types=types, grain=grain, finest="month")
    if rows is None:
        rows = activity_in(span, types=types, grain=grain).annotate(month=TruncMonth("period_end"))
    totals = (
        rows.filter(organisation__kind=Organisation.Kind.TRUST)
        .values("organisation__ods_code", "month")
        .annotate(attendances=Sum("attendances"), over_4h=Sum("over_4h"))
        .order_by()
    )
    origin = _month_number(announced_month)
    panel = [
        stats.PanelRow(
            code=row["organisation__ods_code"],
            period=_month_number(row["month"]) - origin,
            attendances=row["attendances"],
            over_4h=row["over_4h"],
        )
        for row in totals
        if row["attendances"]
    ]
    found = set(rows.values_list("department_type", flat=True).distinct())
    return panel, found


def other_funds_paid(fund: Fund, span: Window) -> dict[str, tuple[str, ...]]:
    """Trusts paid by another fund whose financial years meet the span: code -> fund names.

    A fund's payments are dated by its financial years (April to March), the only dates every
    fund has; a fund with none is dated by its announcement.
    """

    def meets(other: Fund) -> bool:
        years = [dt.date(int(y[:4]), 4, 1) for y in other.financial_years]
        if not years:
            return span.start <= other.announced_on <= span.end
        return any(
            start <= span.end and span.start < start.replace(year=start.year + 1) for start in years
        )

    paid: dict[str, list[str]] = {}
    for other in Fund.objects.exclude(pk=fund.pk).order_by("announced_on", "slug"):
        if not meets(other):
            continue
        for code in treated_codes(other):
            paid.setdefault(code, []).append(other.name)
    return {code: tuple(names) for code, names in paid.items()}


def _compare(
    panel: list[stats.PanelRow],
    treated: set[str],
    control: str,
    control_codes: set[str] | None,
    periods: tuple[tuple[int, int], tuple[int, int]],
    paid_elsewhere: dict[str, tuple[str, ...]],
) -> Comparison:
    """One estimate and its event study against one comparison group."""
    if control_codes is not None:
        panel = [row for row in panel if row.code in treated or row.code in control_codes]
    codes = tuple(sorted({row.code for row in panel} - treated))
    paid = tuple(
        (code, paid_elsewhere[code])
        for code in (sorted(paid_elsewhere) if control == "unfunded" else codes)
        if code in paid_elsewhere and code not in treated
    )
    before, after = periods
    try:
        estimate = stats.did_estimate(panel, treated, before=before, after=after)
        weighted = stats.did_estimate(
            panel, treated, before=before, after=after, weighting="attendances"
        )
        reference = max((row.period for row in panel if row.period < 0), default=-1)
        study = stats.event_study(panel, treated, reference_period=reference)
    except ValueError as error:
        return Comparison(
            control, CONTROLS[control], codes, None, (), str(error), paid_by_other_funds=paid
        )
    return Comparison(
        control,
        CONTROLS[control],
        codes,
        estimate,
        study.points,
        paid_by_other_funds=paid,
        weighted_estimate=weighted,
        pretrend=study.pretrend,
        pretrend_missing=study.pretrend_missing,
    )


@dataclass(frozen=True)
class CutOff:
    """A regression discontinuity at a worst-N rule's cut-offs, at three bandwidths.

    Each trust's running variable is its performance in the rule's window less the cut-off of
    the ranking it was chosen in (one ranking, or one per quota group), so trusts below zero
    are the ones the rule chose by rank. Named recipients were chosen whatever their rank and
    are left out."""

    n: int
    selection: Window
    cut_offs: tuple[tuple[str, float], ...]  # (the ranking, its cut-off in percent)
    named: int  # recipients named by sources, left out of the comparison
    outcome: str
    trusts: int
    # Trusts above a cut-off (so not funded by this rule) that other funds paid in the windows.
    paid_above: int
    # (bandwidth in points, estimate or None, error) at the chosen bandwidth, half and double.
    estimates: tuple[tuple[float, stats.Discontinuity | None, str], ...]
    method: str = stats.RD_METHOD

    @property
    def main(self) -> stats.Discontinuity | None:
        return self.estimates[0][1]

    @property
    def cutoff_percent(self) -> float | None:
        """The one cut-off of a rule with a single ranking."""
        return self.cut_offs[0][1] if len(self.cut_offs) == 1 else None


def _ranking_label(group: str | None) -> str:
    return "every trust ranked" if group is None else rules.GROUPS[group][1]


def _cut_off(
    fund: Fund,
    panel: Sequence[stats.PanelRow],
    periods: tuple[tuple[int, int], tuple[int, int]],
    before: Window,
    after: Window,
    paid_elsewhere: Iterable[str],
) -> CutOff | None:
    """Each trust's distance from its ranking's cut-off, on the rule's own metric, against its
    change in four-hour performance from the before to the after window (same balanced
    panel)."""
    rule = AllocationRule.objects.filter(fund=fund).first()
    if rule is None or rule.kind != AllocationRule.Kind.WORST_N:
        return None
    p = rule.parameters
    named = tuple(p.get("named", ()))
    try:
        candidates = rule_candidates(rule=rule)
        cut_offs = rules.rank_cut_offs(
            candidates, n=int(p["n"]), named=named, quotas=p.get("quotas")
        )
    except (rules.RuleError, KeyError, ValueError):
        return None  # the run says why; there is no ranking to compare across
    if not cut_offs:  # every trust ranked was chosen (or none): nobody lies across a cut-off
        return None
    at = {c.group: c.percent for c in cut_offs}

    def ranking(candidate: rules.Candidate) -> str | None:
        return candidate.group if p.get("quotas") else None

    running = {
        c.code: float(100 * rules.performance(c) - at[ranking(c)])
        for c in candidates
        if c.code not in named and ranking(c) in at
    }
    counts: dict[tuple[str, str], list[int]] = {}
    for row in panel:
        side = (
            "before"
            if periods[0][0] <= row.period <= periods[0][1]
            else "after"
            if periods[1][0] <= row.period <= periods[1][1]
            else None
        )
        if side:
            total = counts.setdefault((row.code, side), [0, 0])
            total[0] += row.attendances
            total[1] += row.over_4h

    def percent(code: str, side: str) -> float:
        attendances, over = counts[code, side]
        return 100.0 * (1 - over / attendances)

    units = [
        (running[code], percent(code, "after") - percent(code, "before"))
        for code in sorted({code for code, _ in counts})
        if code in running and (code, "before") in counts and (code, "after") in counts
    ]
    # A rule of thumb, not an optimum: half the spread of the distances from the cut-offs; the
    # estimates at half and double it show how much the choice matters.
    bandwidth = float(np.std(list(running.values()), ddof=1)) / 2
    estimates = []
    for h in (bandwidth, bandwidth / 2, bandwidth * 2):
        try:
            estimates.append(
                (h, stats.regression_discontinuity(units, cutoff=0.0, bandwidth=h), "")
            )
        except ValueError as error:
            estimates.append((h, None, str(error)))
    return CutOff(
        n=int(p["n"]),
        selection=Window(
            dt.date.fromisoformat(p["window_from"]), dt.date.fromisoformat(p["window_to"])
        ),
        cut_offs=tuple((_ranking_label(c.group), float(c.percent)) for c in cut_offs),
        named=len(named),
        outcome=f"change in four-hour performance from {before} to {after}",
        trusts=len(units),
        paid_above=sum(
            1 for code in set(paid_elsewhere) & {c for c, _ in counts} if running.get(code, 0) > 0
        ),
        estimates=tuple(estimates),
    )


PLACEBO_YEARS = (1, 2)


def _years_earlier(day: dt.date, years: int) -> dt.date:
    year = day.year - years
    return dt.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


@dataclass(frozen=True)
class _DesignPanel:
    rows: list[stats.PanelRow]
    treated: set[str]  # funded units (trusts, or merged footprints) in the panel
    unit_of: dict[str, str]  # each merged trust's unit
    changes: tuple[design.FootprintChange, ...]
    incomplete: set[str]  # trusts without figures in every month of the span
    grain: str
    types_found: set[str]


def _design_panel(
    funded: set[str], span: Window, *, types: Sequence[str], announced: dt.date
) -> _DesignPanel:
    """The balanced panel over the span, trusts joined by successions merged or left out."""
    panel, found = monthly_panel(span, types=types, announced_month=announced)
    unit_of, left_out, changes = design.footprints(successions_in(span), funded, announced)
    panel = design.footprint_rows(panel, unit_of, left_out)
    first, last = (_month_number(d) - _month_number(announced) for d in (span.start, span.end))
    panel, incomplete = design.balanced(panel, range(first, last + 1))
    return _DesignPanel(
        rows=panel,
        treated={unit_of.get(code, code) for code in funded} - left_out,
        unit_of=unit_of,
        changes=changes,
        incomplete=incomplete,
        grain=grain_for(span, types),
        types_found=found,
    )


def _periods(before: Window, after: Window, announced: dt.date):
    def offset(day: dt.date) -> int:
        return _month_number(day) - _month_number(announced)

    return (offset(before.start), offset(before.end)), (offset(after.start), offset(after.end))


def _placebos(
    funded: set[str],
    before: Window,
    after: Window,
    *,
    types: Sequence[str],
    announced: dt.date,
    comparisons: Sequence[Comparison],
) -> dict[str, tuple[Placebo, ...]]:
    """Each comparison's design moved one and two years earlier, with the same trusts."""
    out: dict[str, list[Placebo]] = {c.control: [] for c in comparisons}
    for years in PLACEBO_YEARS:
        b, a = (
            Window(_years_earlier(w.start, years), _years_earlier(w.end, years))
            for w in (before, after)
        )
        moved = _design_panel(funded, Window(b.start, a.end), types=types, announced=announced)
        panel, treated = moved.rows, moved.treated
        before_periods, after_periods = _periods(b, a, announced)
        for c in comparisons:
            group = set(c.control_codes)
            rows = [r for r in panel if r.code in treated or r.code in group]
            if not rows:
                out[c.control].append(
                    Placebo(
                        years,
                        b,
                        a,
                        None,
                        f"No trust has figures in every month from {b.start:%B %Y} to "
                        f"{a.end:%B %Y}.",
                    )
                )
                continue
            try:
                estimate = stats.did_estimate(
                    rows, treated, before=before_periods, after=after_periods
                )
            except ValueError as error:
                out[c.control].append(Placebo(years, b, a, None, str(error)))
                continue
            out[c.control].append(Placebo(years, b, a, estimate))
    return {control: tuple(placebos) for control, placebos in out.items()}


def successions_in(span: Window) -> list[tuple[str, str, dt.date, str]]:
    """The trusts' successions inside the span: predecessor, successor, date and kind."""
    return list(
        Succession.objects.filter(
            effective_on__range=(span.start, span.end),
            predecessor__kind=Organisation.Kind.TRUST,
        )
        .order_by("predecessor__ods_code", "successor__ods_code")
        .values_list("predecessor__ods_code", "successor__ods_code", "effective_on", "kind")
    )


def fund_impact(
    fund: Fund,
    *,
    before: Window | None = None,
    after: Window | None = None,
    types: Sequence[str] = DEFAULT_TYPES,
    controls: Sequence[str] = tuple(CONTROLS),
) -> Impact:
    """Difference-in-differences of four-hour performance, funded trusts against each control.

    Every comparison uses one balanced panel: trusts (or merged footprints) with figures in
    every month from the start of "before" to the end of "after".
    """
    for control in controls:
        if control not in CONTROLS:
            raise ImpactUnavailable(f"{control!r}: the comparison is one of {', '.join(CONTROLS)}")
    selection = selection_window(fund)
    default_before, default_after = design.default_windows(fund.announced_on, selection)
    before, after = before or default_before, after or default_after
    if not before.end < after.start:
        raise ImpactUnavailable("the before window must end before the after window starts")
    funded = treated_codes(fund)
    if not funded:
        waves = [
            wave
            for wave in fund.waves.standing().order_by("announced_on", "slug")
            if treated_codes(wave)
        ]
        if waves:
            raise ImpactUnavailable(
                f"{fund.name} reached trusts through its waves, each with its own rule, "
                "announcement and windows: see the impact of "
                + " and of ".join(f"{wave.name} ({wave.slug})" for wave in waves)
            )
        raise ImpactUnavailable(
            f"{fund.name} has no trust among its current recipients, so there is no funded "
            "trust to compare"
        )
    announced = fund.announced_on.replace(day=1)
    span = Window(before.start, after.end)
    built = _design_panel(funded, span, types=types, announced=announced)
    panel, treated, unit_of = built.rows, built.treated, built.unit_of
    periods = _periods(before, after, announced)
    paid_elsewhere = {
        unit_of.get(code, code): names for code, names in other_funds_paid(fund, span).items()
    }
    comparisons = []
    for control in controls:
        if control == "near_miss":
            try:
                group = {unit_of.get(c, c) for c in near_miss_codes(fund, funded)}
            except ImpactUnavailable as error:
                comparisons.append(Comparison(control, CONTROLS[control], (), None, (), str(error)))
                continue
        elif control == "unfunded":
            group = {row.code for row in panel} - treated - set(paid_elsewhere)
            if not group:
                funds = sorted({name for names in paid_elsewhere.values() for name in names})
                comparisons.append(
                    Comparison(
                        control,
                        CONTROLS[control],
                        (),
                        None,
                        (),
                        "There is no unfunded comparison group: every other trust with "
                        f"figures in these windows was paid by {'; '.join(funds)}.",
                        tuple(sorted(paid_elsewhere.items())),
                    )
                )
                continue
        else:
            group = None
        comparisons.append(_compare(panel, treated, control, group, periods, paid_elsewhere))
    if any(c.error for c in comparisons) and (missing := months_without_figures(span, types)):
        # The panel keeps trusts with figures in every month, so none is left: say why.
        why = (
            f"No figures of department type(s) {', '.join(types)} for {', '.join(missing)}, "
            "inside the months from the before window's start to the after window's end; the "
            "analysis needs every month of them. Choose type 1 or windows that avoid them."
        )
        comparisons = [replace(c, error=why) if c.error else c for c in comparisons]
    estimated = [c for c in comparisons if c.estimate]
    placebos = _placebos(
        funded, before, after, types=types, announced=announced, comparisons=estimated
    )
    comparisons = [replace(c, placebos=placebos.get(c.control, ())) for c in comparisons]
    return Impact(
        fund=fund,
        before=before,
        after=after,
        announced_month=announced,
        types=tuple(types),
        types_found=tuple(sorted(built.types_found)),
        grain=built.grain,
        treated_codes=tuple(sorted(treated & {row.code for row in panel})),
        comparisons=tuple(comparisons),
        window_warnings=design.window_warnings(
            before, after, announced_on=fund.announced_on, selection=selection
        ),
        discontinuity=_cut_off(fund, panel, periods, before, after, paid_elsewhere),
        footprint_changes=built.changes,
        incomplete_codes=tuple(sorted(built.incomplete)),
    )


@dataclass(frozen=True)
class SpcRow:
    label: str
    start: dt.date  # the first day of the first figure in the period
    end: dt.date
    grain: str  # the figures it was built from: week or month
    attendances: int
    over_4h: int
    point: stats.SpcPoint


@dataclass(frozen=True)
class SpcChart:
    rows: tuple[SpcRow, ...]
    summary: stats.SpcSummary
    notes: tuple[str, ...]
    week_rule: str = WEEK_RULE


def organisation_spc(
    code: str,
    window: Window,
    *,
    types: Sequence[str],
    by: str,
    baseline: int | None = None,
    change_at: Sequence[str] = (),
) -> SpcChart:
    """An XmR chart of one organisation's four-hour performance, week by week or by month.

    By month, each month uses its own figures (monthly where it has them, else its weeks);
    by week, months with monthly figures only cannot be shown and are named in the notes.
    Limits are recalculated at each period in ``change_at`` and at any sustained shift.
    """
    if by not in ("week", "month"):
        raise ImpactUnavailable(f"{by!r}: an SPC chart is by week or by month")
    if by == "week" and not weeks_answer(types):
        raise ImpactUnavailable("weekly figures count type 1 attendances only: chart type 1")
    series = [
        point
        for point in performance_series(
            window,
            types=types,
            grain="week" if by == "week" else None,
            by="period" if by == "week" else "month",
            codes=[code],
        )
        if point.attendances
    ]
    notes = []
    partial = [p for p in series if p.weeks_missing]
    if by == "month" and partial:
        # A month of some of its weeks is not a month: its counts fall and its share moves.
        series = [p for p in series if not p.weeks_missing]
        notes.append(
            "Left out, as months of only some of their weeks: "
            + ", ".join(
                f"{p.label} holds {p.weeks} of its {p.weeks + p.weeks_missing} weeks"
                for p in partial
            )
            + "."
        )
    if by == "week":
        monthly_only = [
            p.label
            for p in performance_series(
                window, types=types, grain="month", by="month", codes=[code]
            )
            if p.attendances and p.label not in {w.end.strftime("%Y-%m") for w in series}
        ]
        if monthly_only:
            notes.append(
                f"{len(monthly_only)} month(s) have monthly figures only and cannot be shown "
                f"week by week ({monthly_only[0]} to {monthly_only[-1]}); choose by month to "
                f"see them."
            )
    if len(series) < 2:
        raise ImpactUnavailable(
            f"{code} has {len(series)} {by}(s) of figures in {window}; an SPC chart needs two"
        )
    labels = [p.label for p in series]
    unknown = [label for label in change_at if label not in labels]
    if unknown:
        raise ImpactUnavailable(f"change points {', '.join(unknown)} are not periods of the chart")
    if baseline is not None and not 2 <= baseline <= len(series):
        raise ImpactUnavailable(f"baseline must be between 2 and {len(series)} {by}s")
    try:
        points = stats.xmr(
            labels,
            [float(p.percent) for p in series],
            baseline=baseline,
            change_points=[labels.index(label) for label in change_at],
        )
    except ValueError as error:
        raise ImpactUnavailable(str(error)) from error
    if by == "month":
        missing = months_missing(window, labels)
        if missing:
            notes.append(
                f"No figure for {', '.join(missing)}: the chart leaves a gap there, and the "
                "moving range is taken across it."
            )
    if len({p.grain for p in series}) > 1:
        notes.append(
            "Months with monthly type 1 figures use them; the others are built from weekly "
            "figures; the grain column says which."
        )
    return SpcChart(
        rows=tuple(
            SpcRow(p.label, p.start, p.end, p.grain, p.attendances, p.over_4h, point)
            for p, point in zip(series, points, strict=True)
        ),
        summary=stats.spc_summary(points, standard=float(STANDARD_PERCENT)),
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class FunnelRow:
    ods_code: str
    name: str
    attendances: int
    over_4h: int
    point: stats.FunnelPoint


def trust_funnel(
    window: Window,
    *,
    types: Sequence[str],
    regions: Sequence[str] | None = None,
    overdispersion: str = "additive",
) -> tuple[stats.FunnelLimits, list[FunnelRow]]:
    """Trusts' four-hour performance against attendances, with 95% and 99.8% limits around
    the national mean, widened for overdispersion unless ``overdispersion`` is none."""
    rows = performance_by_organisation(
        window, types=types, kinds=[Organisation.Kind.TRUST], regions=regions
    )
    if not rows:
        raise ImpactUnavailable(f"no trust has figures for these department types in {window}")
    limits, points = stats.funnel(
        [(r.ods_code, r.attendances, r.over_4h) for r in rows], overdispersion=overdispersion
    )
    by_code = {r.ods_code: r for r in rows}
    return limits, sorted(
        (
            FunnelRow(p.code, by_code[p.code].name, p.attendances, by_code[p.code].over_4h, p)
            for p in points
        ),
        key=lambda row: row.point.z,
    )
