"""The statistics at their edges: windows that touch or last one period, exactly two trusts a
side, the bandwidth's edge, the fewest points a funnel or an XmR chart takes, limits that sit
on the standard, and the sentences that say why an input is refused.

Panels here are SYNTHETIC and tiny, written out by hand so the estimates can be worked out on
paper; `make mutation` checks that flipping a comparison or a constant in impact/stats.py makes
one of these fail.
"""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from impact import stats
from impact.stats import (
    PanelRow,
    did_estimate,
    event_study,
    funnel,
    regression_discontinuity,
    spc_summary,
    xmr,
)

# Four trusts, 100 attendances each month; breaches give performance 100 - over_4h percent.
#            period: -2   -1    0    1
BREACHES = {
    "T1": (10, 10, 5, 7),  # 90 90 | 95 93: after minus before = 94 - 90 = +4
    "T2": (20, 20, 15, 13),  # 80 80 | 85 87: +6
    "C1": (10, 10, 8, 10),  # 90 90 | 92 90: +1
    "C2": (30, 30, 27, 29),  # 70 70 | 73 71: +2
}
PANEL = [
    PanelRow(code, period, 100, over)
    for code, breaches in BREACHES.items()
    for period, over in zip((-2, -1, 0, 1), breaches, strict=True)
]
TREATED = {"T1", "T2"}


def message_of(function, *args, **options):
    with pytest.raises(ValueError) as refused:
        function(*args, **options)
    return str(refused.value)


def test_windows_that_touch_do_not_overlap_and_two_trusts_a_side_are_enough():
    # Balanced panel: the estimate is the treated trusts' mean change minus the controls',
    # (4 + 6) / 2 - (1 + 2) / 2 = 5 - 1.5 = 3.5 points.
    estimate = did_estimate(PANEL, TREATED, before=(-2, -1), after=(0, 1), bootstrap_draws=9)
    assert estimate.effect_pp == pytest.approx(3.5)
    assert (estimate.treated_trusts, estimate.control_trusts, estimate.observations) == (2, 2, 16)


def test_a_window_of_one_period_is_a_window():
    # Period -1 against period 0: T1 +5, T2 +5, C1 +2, C2 +3; 5 - 2.5 = 2.5 points.
    estimate = did_estimate(PANEL, TREATED, before=(-1, -1), after=(0, 0), bootstrap_draws=9)
    assert estimate.effect_pp == pytest.approx(2.5)
    assert estimate.observations == 8


def test_windows_that_share_a_period_or_run_backwards_are_refused():
    assert (
        message_of(did_estimate, PANEL, TREATED, before=(-2, 0), after=(0, 1))
        == "Before window (-2, 0) overlaps after window (0, 1)."
    )
    assert (
        message_of(did_estimate, PANEL, TREATED, before=(-1, -2), after=(0, 1))
        == "Window bounds must be (first, last) with first <= last."
    )
    assert (
        message_of(did_estimate, PANEL, TREATED, before=(-2, -1), after=(1, 0))
        == "Window bounds must be (first, last) with first <= last."
    )
    assert (
        message_of(did_estimate, PANEL, TREATED, before=(-2, -1), after=(0, 1), weighting="beds")
        == "weighting is one of trust, attendances; got 'beds'."
    )


@pytest.mark.parametrize(
    ("treated", "message"),
    [
        (set(), "No treated trusts have data in both the before and after windows."),
        (
            {"T1", "T2", "C1", "C2"},
            "No control trusts have data in both the before and after windows.",
        ),
        (
            {"T1"},
            "Need at least 2 treated and 2 control trusts with data in both the before and "
            "after windows; got 1 treated and 3 control.",
        ),
        (
            {"T1", "T2", "C1"},
            "Need at least 2 treated and 2 control trusts with data in both the before and "
            "after windows; got 3 treated and 1 control.",
        ),
    ],
)
def test_it_says_how_many_trusts_each_side_has_when_too_few(treated, message):
    assert message_of(did_estimate, PANEL, treated, before=(-2, -1), after=(0, 1)) == message


def test_the_event_study_needs_its_reference_period_and_reports_every_other_gap():
    assert (
        message_of(event_study, PANEL, TREATED, reference_period=5)
        == "Reference period 5 has no data."
    )
    study = event_study(PANEL, TREATED, reference_period=-1)
    # Treated mean minus control mean each period: -2: 85 - 80 = 5; -1: 85 - 80 = 5;
    # 0: 90 - 82.5 = 7.5; 1: 90 - 80.5 = 9.5. Less the reference period's 5:
    gaps = {point.period: point.gap_pp for point in study.points}
    assert gaps == pytest.approx({-2: 0.0, -1: 0.0, 0: 2.5, 1: 4.5})
    assert study.pretrend is not None and study.pretrend.df_num == 1


# Running variable against outcome; the cut-off is 85 and the bandwidth 5.
RD_UNITS = [(81.0, 4.0), (82.0, 4.0), (84.0, 4.0), (85.0, 1.0), (86.0, 1.0), (88.0, 1.0)]


def test_a_trust_on_the_cut_off_is_unfunded_and_one_at_the_bandwidth_is_outside_it():
    near_edge = [*RD_UNITS, (80.0, 9.0), (90.0, 9.0)]  # both exactly 5 points away
    rd = regression_discontinuity(near_edge, cutoff=85.0, bandwidth=5.0)
    assert (rd.funded_in_bandwidth, rd.unfunded_in_bandwidth) == (3, 3)
    # Each side is flat (4 funded, 1 unfunded), so the jump is exactly 3 points.
    assert rd.effect_pp == pytest.approx(3.0)
    assert rd.bandwidth_pp == 5.0


def test_the_jump_is_a_triangular_kernel_fit_with_hc1_errors_and_t_intervals():
    units = [
        (81.5, 5.0),
        (82.0, 3.9),
        (83.0, 4.4),
        (84.0, 3.1),
        (84.6, 4.0),
        (85.0, 0.8),
        (85.5, 1.6),
        (86.5, 0.7),
        (87.0, 1.9),
        (88.5, 1.1),
    ]
    rd = regression_discontinuity(units, cutoff=85.0, bandwidth=4.0)
    # The same fit written out: weighted least squares on (1, funded, distance,
    # funded × distance) with weights 1 - |distance| / 4, the HC1 sandwich
    # n / (n - k) × B M B, and a t interval on n - k = 6 degrees of freedom.
    distance = np.array([r for r, _ in units]) - 85.0
    outcome = np.array([y for _, y in units])
    funded = (distance < 0).astype(float)
    x = np.column_stack([np.ones(10), funded, distance, funded * distance])
    weights = 1 - np.abs(distance) / 4
    bread = np.linalg.inv(x.T @ (weights[:, None] * x))
    beta = bread @ x.T @ (weights * outcome)
    scores = x * (weights * (outcome - x @ beta))[:, None]
    std_error = np.sqrt((10 / 6 * bread @ scores.T @ scores @ bread)[1, 1])
    t = scipy_stats.t.ppf(0.975, 6)
    assert rd.effect_pp == pytest.approx(beta[1])
    assert rd.std_error_pp == pytest.approx(std_error)
    assert (rd.ci_low_pp, rd.ci_high_pp) == pytest.approx(
        (beta[1] - t * std_error, beta[1] + t * std_error)
    )
    assert rd.p_value == pytest.approx(2 * scipy_stats.t.sf(abs(beta[1] / std_error), 6))


def test_a_bandwidth_below_one_point_is_a_bandwidth():
    close = [(84.2, 4.0), (84.5, 4.0), (84.8, 4.0), (85.0, 1.0), (85.3, 1.0), (85.6, 1.0)]
    rd = regression_discontinuity([*close, (83.0, 9.0)], cutoff=85.0, bandwidth=0.9)
    assert (rd.funded_in_bandwidth, rd.unfunded_in_bandwidth) == (3, 3)
    assert rd.effect_pp == pytest.approx(3.0)


def test_the_bandwidth_must_be_positive():
    assert (
        message_of(regression_discontinuity, RD_UNITS, cutoff=85.0, bandwidth=0)
        == "The bandwidth must be positive; got 0."
    )


def test_a_funnel_takes_two_grid_points_and_leaves_out_trusts_with_no_attendances():
    limits, points = funnel([("A", 100, 10), ("B", 400, 40), ("Z", 0, 0)], points=2)
    assert limits.denominators == [100, 400]
    assert [p.code for p in points] == ["A", "B"]
    _, points = funnel([("A", 1, 0), ("B", 100, 10)], points=2)
    assert [p.code for p in points] == ["A", "B"], "one attendance is enough to be plotted"
    limits, _ = funnel([("A", 100, 10), ("B", 100_000, 10_000)])
    assert len(limits.denominators) == 100, "a hundred grid points unless asked otherwise"
    assert message_of(funnel, [("A", 100, 10)], points=1) == "points must be at least 2."
    assert message_of(funnel, [("Z", 0, 0)]) == "A funnel needs at least one unit with attendances."
    assert (
        message_of(funnel, [("A", 100, 10)], overdispersion="log")
        == "overdispersion is one of additive, multiplicative, none"
    )


@pytest.mark.parametrize("higher_is_better", [True, False])
def test_limits_that_sit_on_the_standard_do_not_consistently_meet_or_miss_it(higher_is_better):
    # A flat series has no moving range: mean, upper and lower limits are all 95.
    points = xmr([str(i) for i in range(4)], [95.0] * 4, higher_is_better=higher_is_better)
    assert (points[-1].lower, points[-1].upper) == (95.0, 95.0)
    summary = spc_summary(points, standard=95.0, higher_is_better=higher_is_better)
    assert summary.standard == 95.0
    assert (summary.assurance, summary.variation) == (
        "hit and miss: the standard lies within the limits",
        "common cause variation",
    )


def test_when_lower_is_better_limits_below_the_standard_consistently_meet_it():
    points = xmr([str(i) for i in range(4)], [4.0, 5.0, 4.0, 5.0], higher_is_better=False)
    summary = spc_summary(points, standard=10.0, higher_is_better=False)
    assert summary.assurance == "consistently meets the standard"
    summary = spc_summary(points, standard=1.0, higher_is_better=False)
    assert summary.assurance == "consistently misses the standard"


def test_an_xmr_chart_takes_two_values_a_baseline_of_two_and_change_points_two_from_each_end():
    assert [p.mean for p in xmr(["a", "b"], [1.0, 3.0])] == [2.0, 2.0]
    labels = [str(i) for i in range(8)]
    values = [1.0, 3.0, 1.0, 3.0, 5.0, 7.0, 5.0, 7.0]
    points = xmr(labels, values, baseline=2, change_points=[2, 6])
    assert [p.segment for p in points] == [0, 0, 1, 1, 1, 1, 2, 2]
    assert points[0].mean == 2.0 and points[2].mean == 4.0 and points[6].mean == 6.0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"baseline": 1}, "baseline must be between 2 and 8; got 1."),
        ({"baseline": 9}, "baseline must be between 2 and 8; got 9."),
        ({"baseline": 5, "change_points": [4]}, "baseline must be between 2 and 4; got 5."),
        ({"change_points": [1]}, "change points must leave 2 points each side: between 2 and 6."),
        ({"change_points": [7]}, "change points must leave 2 points each side: between 2 and 6."),
    ],
)
def test_an_xmr_chart_says_which_baselines_and_change_points_it_takes(options, message):
    labels, values = [str(i) for i in range(8)], [1.0, 3.0] * 4
    assert message_of(xmr, labels, values, **options) == message


def test_an_xmr_chart_needs_a_label_for_every_value():
    assert message_of(xmr, ["a"], [1.0, 2.0]) == "labels and values must have the same length."
    assert message_of(xmr, ["a"], [1.0]) == "An XmR chart needs at least 2 values."


# XmR: a baseline of 10, 12, 10, 12, ... has mean 11 and mean moving range 2, so the limits are
# 11 ± 2.66 × 2 (5.68 to 16.32) and two sigma is 11 ± 2 × 2.66 / 3 × 2 (7.45 to 14.55).
STEADY = [10.0, 12.0] * 4
LABELS = [str(i) for i in range(20)]


def causes(values, **options):
    points = xmr(LABELS[: len(values)], values, shift_run=None, **options)
    return [(p.special_cause, p.direction) for p in points]


def test_two_of_three_beyond_two_sigma_counts_only_within_three_points_even_at_the_end():
    # 15 is beyond two sigma (14.55), 14 is not; 15s at 8 and 11 are four points apart.
    tail = [14.0, 14.0, 15.0, 11.0, 12.0, 15.0, 10.0, 11.0, 12.0, 15.0, 11.0, 15.0]
    found = causes(STEADY + tail, baseline=8)[8:]
    flagged = {i + 8 for i, (cause, _) in enumerate(found) if cause}
    assert flagged == {17, 19}
    assert found[-1] == ("two_of_three", "improvement")


def test_a_run_of_seven_right_after_the_first_point_is_a_run():
    # Limits from 14 and 9: mean 11.5; the seven points after the first are all below it.
    values = [14.0, 9.0, 8.0, 9.0, 8.0, 9.0, 8.0, 9.0, 13.0, 12.0, 13.0, 12.0]
    found = causes(values, baseline=2)
    assert [cause for cause, _ in found] == ["", *["run"] * 7, "", "", "", ""]
    assert found[1] == ("run", "concern")


def test_a_run_in_the_middle_flags_its_own_points_and_none_after():
    values = [*STEADY, 13.0, 9.0, 8.0, 9.0, 8.0, 9.0, 8.0, 9.0, 13.0, 12.0]
    found = causes(values, baseline=8)
    assert [cause for cause, _ in found[8:]] == ["", *["run"] * 7, "", ""]


def test_a_trend_in_the_middle_flags_its_seven_points_and_none_after():
    rising = [9.0, 9.5, 10.0, 10.5, 11.0, 11.5, 12.0]
    found = causes([*STEADY, *rising, 11.0, 12.0], baseline=8)
    assert [cause for cause, _ in found[8:]] == [*["trend"] * 7, "", ""]
    assert found[8] == ("trend", "improvement")


def test_when_lower_is_better_a_low_point_outside_the_limits_is_an_improvement():
    found = causes([*STEADY, 4.0], baseline=8, higher_is_better=False)
    assert found[8] == ("outside_limits", "improvement")


def test_a_shift_of_exactly_eight_points_starting_at_the_eighth_starts_new_limits():
    values = [9.0, 11.0] * 4 + [20.0, 21.0] * 4
    points = xmr(LABELS[:16], values)
    assert [p.segment for p in points] == [0] * 8 + [1] * 8
    assert points[7].recalculated == "sustained shift: 8+ points on one side"
    assert (points[0].mean, points[8].mean) == (10.0, 20.5)
    assert (points[0].limits_from, points[15].recalculated) == ("baseline", "")
    assert (points[8].period_label, points[8].value, points[8].limits_from) == (
        "8",
        20.0,
        "sustained shift: 8+ points on one side",
    )


def test_funnel_limits_below_zero_stop_at_zero_and_those_just_above_it_stay():
    # 20 of 2,002 attendances within four hours: the national mean is 100 × 20 / 2002 = 0.999%.
    limits, points = funnel([("tiny", 2, 2), ("big", 2000, 1980)], points=2, overdispersion="none")
    centre = 20 / 2002
    spread = np.sqrt(centre * (1 - centre))
    assert limits.lower_998[0] == 0.0, "0.999 - 3.09 × 100 × spread / sqrt(2) is below zero"
    assert limits.lower_998[1] == pytest.approx(100 * (centre - 3.090232 * spread / np.sqrt(2000)))
    assert 0.0 < limits.lower_998[1] < 1.0
    assert [(p.code, p.attendances) for p in points] == [("tiny", 2), ("big", 2000)]


def test_when_every_patient_is_seen_within_four_hours_every_trust_sits_on_the_mean():
    limits, points = funnel([("A", 100, 0), ("B", 400, 0), ("C", 900, 0)])
    assert (limits.national_mean, limits.phi, limits.tau2) == (100.0, 1.0, 0.0)
    assert [(p.z, p.beyond) for p in points] == [(0.0, "")] * 3


def test_a_trust_exactly_on_a_funnel_limit_is_inside_it(monkeypatch):
    # The real limits (1.959964 and 3.090232 standard errors) are never hit exactly by a
    # proportion, so the boundary is checked at round limits of 2 and 3. Trusts of 16,384
    # attendances around a pooled 50% have a standard error of exactly 1/256, and one with
    # 8192 - 64 z breaches sits exactly z standard errors from the mean.
    monkeypatch.setattr(stats, "Z_95", 2.0)
    monkeypatch.setattr(stats, "Z_998", 3.0)
    _, points = funnel(
        [(code, 16384, 8192 - 64 * z) for code, z in (("A", 2), ("B", -2), ("C", 3), ("D", -3))],
        overdispersion="none",
    )
    assert [(p.z, p.beyond) for p in points] == [(2.0, ""), (-2.0, ""), (3.0, "95"), (-3.0, "95")]


def test_an_after_window_that_ends_where_the_before_window_starts_overlaps_it():
    assert (
        message_of(did_estimate, PANEL, TREATED, before=(0, 1), after=(-2, 0))
        == "Before window (0, 1) overlaps after window (-2, 0)."
    )


def test_the_event_study_says_how_many_trusts_each_side_has_when_too_few():
    assert message_of(event_study, PANEL, {"T1"}) == (
        "Need at least 2 treated and 2 control trusts with data in any period; "
        "got 1 treated and 3 control."
    )


def test_with_no_period_before_the_reference_there_is_no_pretrend_test():
    study = event_study([r for r in PANEL if r.period >= -1], TREATED, reference_period=-1)
    assert [point.period for point in study.points] == [-1, 0, 1]
    assert study.pretrend is None


def test_with_one_period_before_the_reference_the_pretrend_f_is_that_gaps_t_squared():
    # T1 breaches 4 more at period -2 (86%): the gap there is 83 - 80 = 3, less the
    # reference period's 5, so -2 points.
    rows = [
        PanelRow(r.code, r.period, r.attendances, r.over_4h + 4)
        if (r.code, r.period) == ("T1", -2)
        else r
        for r in PANEL
    ]
    study = event_study(rows, TREATED, reference_period=-1)
    first = study.points[0]
    assert (first.period, first.gap_pp) == (-2, pytest.approx(-2.0))
    test = study.pretrend
    # One restriction, and t intervals on four trusts less one degrees of freedom.
    assert (test.df_num, test.df_denom) == (1, 3)
    se = (first.ci_high_pp - first.ci_low_pp) / 2 / scipy_stats.t.ppf(0.975, 3)
    assert test.f_stat == pytest.approx((first.gap_pp / se) ** 2)
    assert test.p_value == pytest.approx(2 * scipy_stats.t.sf(abs(first.gap_pp / se), 3))


def test_a_month_of_one_attendance_is_an_observation():
    one = [
        PanelRow(r.code, r.period, 1, 0) if (r.code, r.period) == ("C1", 1) else r for r in PANEL
    ]
    estimate = did_estimate(one, TREATED, before=(-2, -1), after=(0, 1), bootstrap_draws=9)
    assert estimate.observations == 16


def test_a_panel_with_no_two_trusts_in_the_same_period_leaves_no_residual_to_cluster():
    # Eight observations and eight columns (the effect and seven period dummies): each
    # period's dummy fits its one observation exactly.
    periods = {"T1": (-4, 0), "T2": (-3, 1), "C1": (-2, 2), "C2": (-1, 3)}
    rows = [PanelRow(code, p, 100, 10) for code, pair in periods.items() for p in pair]
    assert (
        message_of(did_estimate, rows, TREATED, before=(-4, -1), after=(0, 3))
        == "Not enough observations to estimate a clustered variance."
    )
