"""Statistics for judging whether A&E winter funding "worked".

Pure numpy/statsmodels so it can be tested without a database and reused from
management commands, views or notebooks alike.

- ``did_estimate``: two-way fixed-effects difference-in-differences with
  trust-clustered (CR1) standard errors.
- ``event_study``: period-by-period treated-minus-control gaps, so the
  parallel-trends assumption behind ``did_estimate`` can be eyeballed.
- ``xmr``: NHS England "Making Data Count" XmR chart with special-cause rules.
- ``funnel``: binomial funnel plot of four-hour performance against volume.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lib.lazy import lazy_import

if TYPE_CHECKING:
    import numpy as np
    import statsmodels.api as sm
else:
    # Imported at the first computation, not when a page or the API loads this module for its
    # dataclasses and texts: statsmodels brings scipy and pandas, about 170 MB in all.
    np = lazy_import("numpy")
    sm = lazy_import("statsmodels.api")

Z_95 = 1.959964
Z_998 = 3.090232

# Making Data Count: natural process limits are mean ± 2.66 × mean moving range
# (2.66 = 3 / d2 with d2 = 1.128 for ranges of two consecutive points).
XMR_SCALE = 2.66
RUN_LENGTH = 7
TREND_LENGTH = 7
# A run this long on one side of the mean is a sustained shift: the limits are recalculated.
SHIFT_RUN = 8


@dataclass(frozen=True)
class PanelRow:
    """One trust in one period."""

    code: str
    period: int
    attendances: int
    over_4h: int


@dataclass(frozen=True)
class Estimate:
    effect_pp: float
    ci_low_pp: float
    ci_high_pp: float
    std_error_pp: float
    treated_trusts: int
    control_trusts: int
    observations: int
    method: str
    p_value: float = float("nan")
    bootstrap_p: float = float("nan")
    weighting: str = "trust"


@dataclass(frozen=True)
class EventPoint:
    period: int
    gap_pp: float
    ci_low_pp: float
    ci_high_pp: float


@dataclass(frozen=True)
class SpcPoint:
    period_label: str
    value: float
    mean: float
    upper: float
    lower: float
    special_cause: str
    direction: str
    segment: int = 0
    limits_from: str = "baseline"  # why this stretch's limits start where they do
    recalculated: str = ""  # why the limits change after this stretch, if they do


OVERDISPERSION = {
    "additive": "additive random effects (Spiegelhalter 2005): limits widened by a "
    "between-trust variance tau² estimated from z-scores winsorised at 10% each side",
    "multiplicative": "multiplicative (Spiegelhalter 2005): limits widened by sqrt(phi), phi "
    "estimated from z-scores winsorised at 10% each side",
    "none": "none: pure binomial limits, which flag trusts for ordinary variation between "
    "trusts when performance is overdispersed",
}
WINSOR_PERCENT = 10


@dataclass(frozen=True)
class FunnelLimits:
    denominators: list[int]
    lower_95: list[float]
    upper_95: list[float]
    lower_998: list[float]
    upper_998: list[float]
    national_mean: float
    overdispersion: str = "none"
    # The factor the multiplicative adjustment widens the variance by (1 under the others).
    phi: float = 1.0
    tau2: float = 0.0
    # The overdispersion the z-scores show, whichever adjustment is chosen (1 is chance
    # alone), and whether it is more than chance: None with too few trusts to tell.
    phi_estimated: float | None = None
    overdispersed: bool = False

    @property
    def method(self) -> str:
        return (
            f"Centre line: the national mean (all attendances pooled), not a target. "
            f"Overdispersion adjustment: {OVERDISPERSION[self.overdispersion]}. "
            f"{self._spread_between_trusts} tau = {100 * np.sqrt(self.tau2):.2f} points."
        )

    @property
    def _spread_between_trusts(self) -> str:
        if self.phi_estimated is None:
            return "Too few trusts to estimate overdispersion."
        phi = f"phi = {self.phi_estimated:.2f} (1 is chance alone)"
        if not self.overdispersed:
            return f"{phi}: trusts differ no more than chance allows, so the limits are binomial."
        if self.overdispersion == "none":
            return f"{phi}: trusts differ more than chance allows, so these limits flag many."
        return f"{phi}: trusts differ more than chance allows, so the limits are widened."


@dataclass(frozen=True)
class FunnelPoint:
    code: str
    attendances: int
    percent: float
    z: float
    beyond: str


# --------------------------------------------------------------------------
# Fixed-effects regression
# --------------------------------------------------------------------------

WEIGHTINGS = {
    "trust": "each trust-month counts the same",
    "attendances": "each trust-month is weighted by its attendances",
}
BOOTSTRAP_DRAWS = 999
BOOTSTRAP_SEED = 20130910
# Webb's six-point weights: better than Rademacher's two points when clusters are few.
WEBB_WEIGHTS = (-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5))


def method_text(weighting: str) -> str:
    return (
        f"OLS with trust and month fixed effects ({WEIGHTINGS[weighting]}), fitted with "
        "statsmodels; standard errors clustered by trust (CR1: G/(G-1) × (N-1)/(N-K), with "
        "the absorbed trust effects not counted in K) and t intervals on G-1 degrees of "
        f"freedom; wild cluster bootstrap p-value (restricted to no effect, Webb weights, "
        f"{BOOTSTRAP_DRAWS} draws, seed {BOOTSTRAP_SEED})"
    )


@dataclass(frozen=True)
class _Fit:
    """A statsmodels fit on trust-demeaned data, with the arrays a bootstrap needs."""

    result: object  # statsmodels RegressionResultsWrapper
    y: np.ndarray  # demeaned outcome, scaled by the square root of the weights
    x: np.ndarray  # demeaned regressors, scaled alike
    cluster_idx: np.ndarray
    clusters: int


def _performance(rows: Sequence[PanelRow]) -> list[tuple[str, int, float, int]]:
    return [
        (r.code, r.period, 100.0 * (1.0 - r.over_4h / r.attendances), r.attendances)
        for r in rows
        if r.attendances > 0
    ]


def _fe_fit(
    cluster_idx: np.ndarray, y: np.ndarray, x: np.ndarray, weights: np.ndarray | None = None
) -> _Fit:
    """(W)LS of y on x plus a fixed effect per cluster, with CR1 clustered variance.

    The trust effects are absorbed by (weighted) demeaning within trust; by
    Frisch–Waugh–Lovell this gives exactly the dummy-variable coefficients and residuals.
    statsmodels then counts only x in K, as reghdfe and Cameron & Miller advise for effects
    nested within the clusters; counting them would inflate the SEs by about sqrt(N / (N - G)).
    """
    n_clusters = int(cluster_idx.max()) + 1
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    totals = np.bincount(cluster_idx, weights=w, minlength=n_clusters)

    def demean(a: np.ndarray) -> np.ndarray:
        sums = np.bincount(cluster_idx, weights=w * a, minlength=n_clusters)
        return a - (sums / totals)[cluster_idx]

    y_w = demean(y)
    x_w = np.column_stack([demean(x[:, j]) for j in range(x.shape[1])])
    if len(y) - x.shape[1] <= 0 or n_clusters < 2:
        raise ValueError("Not enough observations to estimate a clustered variance.")
    result = sm.WLS(y_w, x_w, weights=w).fit(
        cov_type="cluster", cov_kwds={"groups": cluster_idx}, use_t=True
    )
    root = np.sqrt(w)
    return _Fit(result, y_w * root, x_w * root[:, None], cluster_idx, n_clusters)


def wild_cluster_bootstrap_p(
    fit: _Fit, column: int, *, draws: int = BOOTSTRAP_DRAWS, seed: int = BOOTSTRAP_SEED
) -> float:
    """Two-sided p-value of "coefficient ``column`` is zero" by the restricted wild cluster
    bootstrap (WCR) with Webb weights, on the CR1 t statistic.

    The outcome is rebuilt from the fit that imposes no effect, with each trust's residuals
    scaled by one Webb weight; the t statistic of every draw is set against the observed one.
    statsmodels has no wild cluster bootstrap, hence this function.
    """
    flips = np.random.default_rng(seed).choice(WEBB_WEIGHTS, size=(fit.clusters, draws))
    observed, drawn = _restricted_wild_t(fit, column, flips)
    return float(np.mean(np.abs(drawn) >= abs(observed)))


def _restricted_wild_t(fit: _Fit, column: int, flips: np.ndarray) -> tuple[float, np.ndarray]:
    """The observed CR1 t of one coefficient, and its t in each bootstrap outcome built from
    the restricted fit with trust residuals scaled by ``flips`` (clusters × draws)."""
    y, x, g = fit.y, fit.x, fit.cluster_idx
    others = np.delete(x, column, axis=1)

    def residual(a: np.ndarray) -> np.ndarray:
        if others.shape[1] == 0:
            return a
        coef, *_ = np.linalg.lstsq(others, a, rcond=None)
        return a - others @ coef

    # By FWL the coefficient and the full model's residuals come from x_tilde alone.
    x_tilde = residual(x[:, column])
    restricted = residual(y)
    n, k = x.shape
    correction = fit.clusters / (fit.clusters - 1) * (n - 1) / (n - k)
    sxx = float(x_tilde @ x_tilde)

    def t_stats(outcomes: np.ndarray) -> np.ndarray:
        partialled = residual(outcomes)
        beta = x_tilde @ partialled / sxx
        errors = partialled - np.outer(x_tilde, beta)
        scores = np.zeros((fit.clusters, outcomes.shape[1]))
        np.add.at(scores, g, x_tilde[:, None] * errors)
        return beta / np.sqrt(correction * (scores**2).sum(axis=0) / sxx**2)

    observed = float(t_stats(y[:, None])[0])
    return observed, t_stats((y - restricted)[:, None] + restricted[:, None] * flips[g])


def _index(values: Sequence) -> tuple[np.ndarray, list]:
    levels = sorted(set(values))
    lookup = {v: i for i, v in enumerate(levels)}
    return np.array([lookup[v] for v in values], dtype=int), levels


def _check_sides(codes: set[str], treated: set[str], what: str) -> tuple[int, int]:
    n_treated = len(codes & treated)
    n_control = len(codes - treated)
    if n_treated == 0:
        raise ValueError(f"No treated trusts have data {what}.")
    if n_control == 0:
        raise ValueError(f"No control trusts have data {what}.")
    if n_treated < 2 or n_control < 2:
        raise ValueError(
            f"Need at least 2 treated and 2 control trusts with data {what}; "
            f"got {n_treated} treated and {n_control} control."
        )
    return n_treated, n_control


def did_estimate(
    rows: Sequence[PanelRow],
    treated: set[str],
    *,
    before: tuple[int, int],
    after: tuple[int, int],
    weighting: str = "trust",
    bootstrap_draws: int = BOOTSTRAP_DRAWS,
) -> Estimate:
    """Difference-in-differences effect of funding on four-hour performance (pp).

    y = trust FE + period FE + beta × (treated and post). Only trusts observed in
    both windows are kept: a trust seen on one side only cannot say anything
    about its own change, and keeping it would make the reported trust counts
    overstate the evidence.
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting is one of {', '.join(WEIGHTINGS)}; got {weighting!r}.")
    if before[0] > before[1] or after[0] > after[1]:
        raise ValueError("Window bounds must be (first, last) with first <= last.")
    if not (before[1] < after[0] or after[1] < before[0]):
        raise ValueError(f"Before window {before} overlaps after window {after}.")

    def window(period: int) -> str | None:
        if before[0] <= period <= before[1]:
            return "before"
        if after[0] <= period <= after[1]:
            return "after"
        return None

    obs = [(c, p, y, a, w) for c, p, y, a in _performance(rows) if (w := window(p)) is not None]
    seen: dict[str, set[str]] = {}
    for o in obs:
        seen.setdefault(o[0], set()).add(o[4])
    both = {c for c, ws in seen.items() if len(ws) == 2}
    n_treated, n_control = _check_sides(both, treated, "in both the before and after windows")
    obs = [o for o in obs if o[0] in both]

    cluster_idx, _ = _index([o[0] for o in obs])
    period_idx, periods = _index([o[1] for o in obs])
    y = np.array([o[2] for o in obs])
    did = np.array([1.0 if (o[0] in treated and o[4] == "after") else 0.0 for o in obs])
    # First period is the omitted category; the trust effects carry the constant.
    period_dummies = (period_idx[:, None] == np.arange(1, len(periods))[None, :]).astype(float)
    x = np.column_stack([did, period_dummies])
    weights = np.array([float(o[3]) for o in obs]) if weighting == "attendances" else None

    fit = _fe_fit(cluster_idx, y, x, weights)
    beta = float(fit.result.params[0])
    se = float(fit.result.bse[0])
    low, high = (float(v) for v in fit.result.conf_int(alpha=0.05)[0])
    return Estimate(
        effect_pp=beta,
        ci_low_pp=low,
        ci_high_pp=high,
        std_error_pp=se,
        treated_trusts=n_treated,
        control_trusts=n_control,
        observations=len(obs),
        method=method_text(weighting),
        p_value=float(fit.result.pvalues[0]),
        bootstrap_p=wild_cluster_bootstrap_p(fit, 0, draws=bootstrap_draws),
        weighting=weighting,
    )


@dataclass(frozen=True)
class PretrendTest:
    """Joint test that every gap before the announcement is zero (cluster-robust Wald F)."""

    f_stat: float
    df_num: int
    df_denom: int
    p_value: float

    @property
    def fails(self) -> bool:
        return self.p_value < 0.05


@dataclass(frozen=True)
class EventStudy:
    points: tuple[EventPoint, ...]
    pretrend: PretrendTest | None
    pretrend_missing: str = ""  # why there is no joint test, where there are gaps to test


def event_study(
    rows: Sequence[PanelRow], treated: set[str], *, reference_period: int = -1
) -> EventStudy:
    """Treated-minus-control gap in each period, relative to ``reference_period``, and the
    joint test that the gaps before period 0 (the announcement) are all zero.

    Gaps before the announcement that are clearly non-zero mean the groups were
    already diverging, so a difference-in-differences estimate should not be
    trusted.
    """
    obs = _performance(rows)
    codes = {o[0] for o in obs}
    _check_sides(codes, treated, "in any period")
    cluster_idx, _ = _index([o[0] for o in obs])
    period_idx, periods = _index([o[1] for o in obs])
    if reference_period not in periods:
        raise ValueError(f"Reference period {reference_period} has no data.")
    others = [p for p in periods if p != reference_period]
    other_idx = np.array([periods.index(p) for p in others], dtype=int)

    y = np.array([o[2] for o in obs])
    is_treated = np.array([1.0 if o[0] in treated else 0.0 for o in obs])
    period_dummies = (period_idx[:, None] == other_idx[None, :]).astype(float)
    interactions = period_dummies * is_treated[:, None]
    x = np.column_stack([interactions, period_dummies])

    fit = _fe_fit(cluster_idx, y, x)
    intervals = fit.result.conf_int(alpha=0.05)
    points = [EventPoint(period=reference_period, gap_pp=0.0, ci_low_pp=0.0, ci_high_pp=0.0)]
    for j, p in enumerate(others):
        points.append(
            EventPoint(
                period=p,
                gap_pp=float(fit.result.params[j]),
                ci_low_pp=float(intervals[j, 0]),
                ci_high_pp=float(intervals[j, 1]),
            )
        )
    pre = [j for j, p in enumerate(others) if p < 0]
    pretrend, missing = None, ""
    clusters = len(codes)
    if len(pre) > clusters - 1:
        # A cluster-robust covariance has rank at most one less than its clusters: a joint
        # test of more gaps than that divides by nothing and gives any F at all.
        missing = (
            f"No joint test of the {len(pre)} gaps before the announcement: {clusters} trusts "
            f"can test at most {clusters - 1}."
        )
    elif pre:
        restriction = np.zeros((len(pre), x.shape[1]))
        restriction[np.arange(len(pre)), pre] = 1.0
        test = fit.result.f_test(restriction)
        pretrend = PretrendTest(
            f_stat=float(np.squeeze(test.fvalue)),
            df_num=int(test.df_num),
            df_denom=int(test.df_denom),
            p_value=float(test.pvalue),
        )
    return EventStudy(tuple(sorted(points, key=lambda pt: pt.period)), pretrend, missing)


# --------------------------------------------------------------------------
# Regression discontinuity at a worst-N cut-off
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Discontinuity:
    """The jump in the outcome at the cut-off, funded side minus unfunded side (pp)."""

    effect_pp: float
    ci_low_pp: float
    ci_high_pp: float
    std_error_pp: float
    p_value: float
    bandwidth_pp: float
    funded_in_bandwidth: int
    unfunded_in_bandwidth: int


RD_METHOD = (
    "local linear regression on each side of the cut-off (separate slopes), triangular kernel, "
    "fitted with statsmodels WLS; heteroskedasticity-robust (HC1) standard errors, t intervals"
)


def regression_discontinuity(
    units: Sequence[tuple[float, float]], *, cutoff: float, bandwidth: float
) -> Discontinuity:
    """Local linear estimate of the jump at ``cutoff`` in the outcome against the running
    variable, for units ``(running, outcome)``; units below the cut-off are the funded ones
    (a worst-N rule funds the lowest performers).
    """
    if bandwidth <= 0:
        raise ValueError(f"The bandwidth must be positive; got {bandwidth}.")
    distance = np.array([r for r, _ in units], dtype=float) - cutoff
    outcome = np.array([y for _, y in units], dtype=float)
    near = np.abs(distance) < bandwidth
    funded = distance < 0
    n_funded, n_unfunded = int((near & funded).sum()), int((near & ~funded).sum())
    if min(n_funded, n_unfunded) < 3:
        raise ValueError(
            f"Within {bandwidth:.2f} points of the cut-off there are {n_funded} funded and "
            f"{n_unfunded} unfunded trusts; a local linear fit needs at least 3 on each side."
        )
    d, r, y = funded[near].astype(float), distance[near], outcome[near]
    x = np.column_stack([np.ones_like(r), d, r, d * r])
    kernel = 1.0 - np.abs(r) / bandwidth
    result = sm.WLS(y, x, weights=kernel).fit(cov_type="HC1", use_t=True)
    low, high = (float(v) for v in result.conf_int(alpha=0.05)[1])
    return Discontinuity(
        effect_pp=float(result.params[1]),
        ci_low_pp=low,
        ci_high_pp=high,
        std_error_pp=float(result.bse[1]),
        p_value=float(result.pvalues[1]),
        bandwidth_pp=bandwidth,
        funded_in_bandwidth=n_funded,
        unfunded_in_bandwidth=n_unfunded,
    )


# --------------------------------------------------------------------------
# SPC: XmR chart
# --------------------------------------------------------------------------


def _sign(value: float) -> int:
    """-1, 0 or 1, as int(np.sign(value)) for a finite value, in a quarter of the time (2.3
    against 9.3 us for 24 points taken from an array): a chart's points are signed one by
    one."""
    return (value > 0) - (value < 0)


def _runs(flags: Sequence[int]) -> list[tuple[int, int, int]]:
    """(start, stop, value) for maximal stretches of equal non-zero flags."""
    out = []
    start = 0
    for i in range(1, len(flags) + 1):
        if i == len(flags) or flags[i] != flags[start]:
            if flags[start] != 0:
                out.append((start, i, flags[start]))
            start = i
    return out


@dataclass(frozen=True)
class _Limits:
    mean: float
    upper: float
    lower: float
    two_sigma: float


def _limits(x: np.ndarray) -> _Limits:
    mean = float(x.mean())
    mr_bar = float(np.abs(np.diff(x)).mean())
    return _Limits(
        mean, mean + XMR_SCALE * mr_bar, mean - XMR_SCALE * mr_bar, 2 * (XMR_SCALE / 3) * mr_bar
    )


def _shift_start(x: np.ndarray, mean: float, length: int) -> int | None:
    """Where the first run of ``length`` or more points on one side of the mean starts, at
    least ``length`` points in, so that the stretch before it has limits worth the name;
    None if there is none."""
    side = [_sign(v - mean) for v in x.tolist()]
    for start, stop, _ in _runs(side):
        if start >= length and stop - start >= length:
            return start
    return None


def _signals(x: np.ndarray, limits: _Limits) -> list[tuple[str, int]]:
    """The first applicable rule for each point, and its side (+1 high, -1 low)."""
    n = len(x)
    mean = limits.mean
    values = x.tolist()
    outside = [1 if v > limits.upper else -1 if v < limits.lower else 0 for v in values]

    run = [0] * n
    side = [_sign(v - mean) for v in values]
    for start, stop, s in _runs(side):
        if stop - start >= RUN_LENGTH:
            run[start:stop] = [s] * (stop - start)

    # A trend of k points is k-1 consecutive steps in the same direction; a
    # point belongs to the trend if either step next to it is part of it.
    trend = [0] * n
    steps = [_sign(after - before) for before, after in itertools.pairwise(values)]
    for start, stop, s in _runs(steps):
        if stop - start >= TREND_LENGTH - 1:
            trend[start : stop + 1] = [s] * (stop + 1 - start)

    high, low = mean + limits.two_sigma, mean - limits.two_sigma
    beyond = [1 if v > high else -1 if v < low else 0 for v in values]
    two_of_three = [0] * n
    for i in range(n - 2):
        window = beyond[i : i + 3]
        for s in (1, -1):
            if window.count(s) >= 2:
                for j in range(i, i + 3):
                    if beyond[j] == s:
                        two_of_three[j] = s

    out = []
    for i in range(n):
        found = ("", 0)
        for name, flags in (
            ("outside_limits", outside),
            ("run", run),
            ("trend", trend),
            ("two_of_three", two_of_three),
        ):
            if flags[i]:
                found = (name, flags[i])
                break
        out.append(found)
    return out


def xmr(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    baseline: int | None = None,
    higher_is_better: bool = True,
    change_points: Sequence[int] = (),
    shift_run: int | None = SHIFT_RUN,
) -> list[SpcPoint]:
    """XmR chart with the NHS England "Making Data Count" special-cause rules.

    The limits come from the first ``baseline`` points (all of the first stretch if None)
    and are recalculated from each change point: the indexes in ``change_points``, and,
    unless ``shift_run`` is None, the start of any run of ``shift_run`` or more points on
    one side of the current mean (a sustained shift). Each point gets the first applicable
    rule of outside_limits, run, trend, two_of_three against its own stretch's limits;
    direction says whether the signal is good or bad news.
    """
    if len(labels) != len(values):
        raise ValueError("labels and values must have the same length.")
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n < 2:
        raise ValueError("An XmR chart needs at least 2 values.")
    chosen = sorted(set(change_points))
    if chosen and not (chosen[0] >= 2 and chosen[-1] <= n - 2):
        raise ValueError(f"change points must leave 2 points each side: between 2 and {n - 2}.")
    if baseline is not None and not 2 <= baseline <= (chosen[0] if chosen else n):
        raise ValueError(
            f"baseline must be between 2 and {chosen[0] if chosen else n}; got {baseline}."
        )

    good = 1 if higher_is_better else -1
    points: list[SpcPoint] = []
    start, segment = 0, 0
    while start < n:
        stop = next((c for c in chosen if c > start), n)
        reason = "baseline" if start == 0 else points[-1].recalculated
        while True:
            base_end = min(start + baseline, stop) if (start == 0 and baseline) else stop
            limits = _limits(x[start:base_end])
            shift = None
            if shift_run and stop - start > shift_run:
                shift = _shift_start(x[start:stop], limits.mean, shift_run)
            if shift is None or start + shift >= n - 1:
                break
            stop = start + shift
        following = (
            ""
            if stop >= n
            else "change point"
            if stop in chosen
            else f"sustained shift: {shift_run}+ points on one side"
        )
        for i, (cause, sign) in enumerate(_signals(x[start:stop], limits), start=start):
            points.append(
                SpcPoint(
                    period_label=str(labels[i]),
                    value=float(x[i]),
                    mean=limits.mean,
                    upper=limits.upper,
                    lower=limits.lower,
                    special_cause=cause,
                    direction="" if not sign else ("improvement" if sign == good else "concern"),
                    segment=segment,
                    limits_from=reason,
                    recalculated=following,
                )
            )
        start, segment = stop, segment + 1
    return points


@dataclass(frozen=True)
class SpcSummary:
    """Making Data Count's two icons: what the latest point says, and whether the process
    as it now runs can be relied on to meet the standard."""

    variation: str
    assurance: str
    standard: float


def spc_summary(
    points: Sequence[SpcPoint], *, standard: float, higher_is_better: bool = True
) -> SpcSummary:
    last = points[-1]
    variation = f"special cause {last.direction}" if last.direction else "common cause variation"
    passes_above = last.lower > standard if higher_is_better else last.upper < standard
    fails_beyond = last.upper < standard if higher_is_better else last.lower > standard
    assurance = (
        "consistently meets the standard"
        if passes_above
        else "consistently misses the standard"
        if fails_beyond
        else "hit and miss: the standard lies within the limits"
    )
    return SpcSummary(variation=variation, assurance=assurance, standard=standard)


# --------------------------------------------------------------------------
# Funnel plot
# --------------------------------------------------------------------------


def funnel(
    units: Sequence[tuple[str, int, int]], *, points: int = 100, overdispersion: str = "additive"
) -> tuple[FunnelLimits, list[FunnelPoint]]:
    """Funnel of four-hour performance (percent) against attendances.

    Limits use the binomial normal approximation around the national mean (the pooled
    proportion), widened for overdispersion as NHS analysts do (Spiegelhalter 2005): A&E
    performance varies between trusts far more than binomial chance allows, and pure
    binomial limits flag most trusts. ``overdispersion`` is additive (random effects, the
    default), multiplicative, or none. The adjustment only ever widens the limits.
    """
    if overdispersion not in OVERDISPERSION:
        raise ValueError(f"overdispersion is one of {', '.join(OVERDISPERSION)}")
    usable = [(c, int(a), int(o)) for c, a, o in units if a > 0]
    if not usable:
        raise ValueError("A funnel needs at least one unit with attendances.")
    if points < 2:
        raise ValueError("points must be at least 2.")
    total_att = sum(a for _, a, _ in usable)
    total_over = sum(o for _, _, o in usable)
    p = total_over / total_att
    centre = 1.0 - p
    spread = np.sqrt(p * (1.0 - p))

    n = np.array([a for _, a, _ in usable], dtype=float)
    share = np.array([1.0 - o / a for _, a, o in usable])
    se = spread / np.sqrt(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_raw = np.where(se > 0, (share - centre) / se, 0.0)
    phi, tau2, phi_hat, overdispersed = 1.0, 0.0, None, False
    if len(usable) > 2 and spread > 0:
        low, high = np.percentile(z_raw, [WINSOR_PERCENT, 100 - WINSOR_PERCENT])
        phi_hat = float(np.mean(np.clip(z_raw, low, high) ** 2))
        count = len(usable)
        overdispersed = count * phi_hat > count - 1
        if overdispersed and overdispersion != "none":
            if overdispersion == "multiplicative":
                phi = phi_hat
            else:
                w = 1.0 / se**2
                tau2 = max(
                    0.0, (count * phi_hat - (count - 1)) / (w.sum() - (w**2).sum() / w.sum())
                )

    def width(se_values: np.ndarray) -> np.ndarray:
        return np.sqrt(phi * se_values**2 + tau2)

    n_min, n_max = int(n.min()), int(n.max())
    grid = np.unique(np.rint(np.geomspace(n_min, n_max, points)).astype(int))
    half = 100.0 * width(spread / np.sqrt(grid))
    mean = 100.0 * centre

    def clip(a: np.ndarray) -> list[float]:
        return [float(v) for v in np.clip(a, 0.0, 100.0)]

    limits = FunnelLimits(
        denominators=[int(g) for g in grid],
        lower_95=clip(mean - Z_95 * half),
        upper_95=clip(mean + Z_95 * half),
        lower_998=clip(mean - Z_998 * half),
        upper_998=clip(mean + Z_998 * half),
        national_mean=mean,
        overdispersion=overdispersion,
        phi=phi,
        tau2=tau2,
        phi_estimated=phi_hat,
        overdispersed=overdispersed,
    )

    out = []
    sd = width(se)
    for (code, att, _), value, unit_sd in zip(usable, share, sd, strict=True):
        # With a pooled proportion of exactly 0 or 1 every unit sits on the mean.
        z = float((value - centre) / unit_sd) if unit_sd > 0 else 0.0
        beyond = "99.8" if abs(z) > Z_998 else "95" if abs(z) > Z_95 else ""
        out.append(
            FunnelPoint(code=code, attendances=att, percent=100.0 * value, z=z, beyond=beyond)
        )
    return limits, out
