"""Tests for impact.stats: difference-in-differences, event study, XmR and funnel.

Every panel here is SYNTHETIC, generated with numpy.random.default_rng and a
fixed seed, so the truth is known and the tests are deterministic. No real
trust data and no database are involved.
"""

import math

import numpy as np
import pytest

from impact.stats import (
    PanelRow,
    did_estimate,
    event_study,
    funnel,
    xmr,
)

PERIODS = range(-6, 6)
BEFORE = (-6, -1)
AFTER = (0, 5)


def synthetic_panel(
    seed: int, effect_pp: float, trusts: int = 120
) -> tuple[list[PanelRow], set[str]]:
    """A made-up panel: half the trusts treated, effect switched on from period 0.

    Performance = 76% + trust effect + period effect + idiosyncratic noise
    (+ effect_pp for treated trusts after the announcement), and breaches are
    then drawn binomially on roughly 5,000 attendances, as in a real month.
    """
    # Synthetic data only: the numbers below resemble A&E months but describe no trust.
    rng = np.random.default_rng(seed)
    codes = [f"R{i:03d}" for i in range(trusts)]
    treated = set(rng.choice(codes, size=trusts // 2, replace=False).tolist())
    trust_fx = rng.normal(0.0, 5.0, size=trusts)
    period_fx = {p: rng.normal(0.0, 2.0) for p in PERIODS}
    rows = []
    for i, code in enumerate(codes):
        for p in PERIODS:
            perf = 76.0 + trust_fx[i] + period_fx[p] + rng.normal(0.0, 1.0)
            if code in treated and p >= 0:
                perf += effect_pp
            attendances = int(rng.poisson(5000))
            over = int(rng.binomial(attendances, 1.0 - np.clip(perf, 1, 99) / 100.0))
            rows.append(PanelRow(code, p, attendances, over))
    return rows, treated


# --------------------------------------------------------------------------
# Difference-in-differences
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_it_recovers_a_planted_three_point_effect_with_a_ci_that_excludes_zero(seed):
    rows, treated = synthetic_panel(seed, effect_pp=3.0)

    est = did_estimate(rows, treated, before=BEFORE, after=AFTER)

    assert est.ci_low_pp < 3.0 < est.ci_high_pp
    assert est.ci_low_pp > 0.0
    assert est.effect_pp == pytest.approx(3.0, abs=0.5)
    assert est.treated_trusts == 60
    assert est.control_trusts == 60
    assert est.observations == 120 * 12
    assert "clustered by trust" in est.method


@pytest.mark.parametrize("seed", [3, 4])
def test_with_no_planted_effect_the_ci_contains_zero(seed):
    rows, treated = synthetic_panel(seed, effect_pp=0.0)

    est = did_estimate(rows, treated, before=BEFORE, after=AFTER)

    assert est.ci_low_pp < 0.0 < est.ci_high_pp
    assert est.std_error_pp > 0.0


def test_the_ci_is_the_t_interval_on_trusts_minus_one_degrees_of_freedom():
    from scipy import stats as sps

    rows, treated = synthetic_panel(5, effect_pp=3.0)

    est = did_estimate(rows, treated, before=BEFORE, after=AFTER)

    crit = sps.t.ppf(0.975, df=120 - 1)
    assert est.ci_high_pp - est.effect_pp == pytest.approx(crit * est.std_error_pp)
    assert est.effect_pp - est.ci_low_pp == pytest.approx(crit * est.std_error_pp)


def test_the_p_value_is_the_two_sided_t_test_on_trusts_minus_one_degrees_of_freedom():
    from scipy import stats as sps

    rows, treated = synthetic_panel(5, effect_pp=0.5, trusts=30)

    est = did_estimate(rows, treated, before=BEFORE, after=AFTER, bootstrap_draws=9)

    t = est.effect_pp / est.std_error_pp
    assert est.p_value == pytest.approx(2 * sps.t.sf(abs(t), df=30 - 1))
    assert 0.0 < est.p_value < 1.0


def test_the_point_estimate_matches_a_full_dummy_variable_regression_on_an_unbalanced_panel():
    rows, treated = synthetic_panel(6, effect_pp=2.0, trusts=30)
    rng = np.random.default_rng(60)
    # Drop a fifth of the rows at random so the within-transformation is really tested.
    rows = [r for r in rows if rng.random() > 0.2]

    est = did_estimate(rows, treated, before=BEFORE, after=AFTER)

    codes = sorted({r.code for r in rows})
    periods = sorted({r.period for r in rows})
    y = np.array([100 * (1 - r.over_4h / r.attendances) for r in rows])
    x = np.column_stack(
        [[1.0 if (r.code in treated and r.period >= 0) else 0.0 for r in rows]]
        + [[1.0 if r.code == c else 0.0 for r in rows] for c in codes]
        + [[1.0 if r.period == p else 0.0 for r in rows] for p in periods[1:]]
    )
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    assert est.effect_pp == pytest.approx(beta[0], abs=1e-8)


def test_it_drops_empty_rows_and_rows_outside_both_windows():
    rows, treated = synthetic_panel(7, effect_pp=3.0)
    baseline = did_estimate(rows, treated, before=BEFORE, after=AFTER)
    noise = [PanelRow("R000", 50, 5000, 4999), PanelRow("R001", -3, 0, 0)]

    est = did_estimate(rows + noise, treated, before=BEFORE, after=AFTER)

    assert est.observations == baseline.observations
    assert est.effect_pp == pytest.approx(baseline.effect_pp)


def test_it_refuses_to_estimate_without_two_trusts_on_each_side():
    rows, treated = synthetic_panel(8, effect_pp=3.0, trusts=10)
    one_treated = {sorted(treated)[0]}
    everyone = {r.code for r in rows}

    with pytest.raises(ValueError, match="at least 2 treated"):
        did_estimate(rows, one_treated, before=BEFORE, after=AFTER)
    with pytest.raises(ValueError, match="No control trusts"):
        did_estimate(rows, everyone, before=BEFORE, after=AFTER)
    with pytest.raises(ValueError, match="No treated trusts"):
        did_estimate(rows, set(), before=BEFORE, after=AFTER)


def test_it_ignores_trusts_that_only_appear_in_one_window():
    rows, treated = synthetic_panel(9, effect_pp=3.0, trusts=10)
    # Only pre-period rows survive for the treated trusts, so nothing identifies the effect.
    rows = [r for r in rows if r.code not in treated or r.period < 0]

    with pytest.raises(ValueError, match="No treated trusts have data in both"):
        did_estimate(rows, treated, before=BEFORE, after=AFTER)


# --------------------------------------------------------------------------
# Event study
# --------------------------------------------------------------------------


def test_the_event_study_shows_flat_pre_trends_and_a_three_point_gap_afterwards():
    rows, treated = synthetic_panel(1, effect_pp=3.0)

    study = event_study(rows, treated, reference_period=-1)
    points = study.points

    assert not study.pretrend.fails and study.pretrend.df_num == 5
    assert [p.period for p in points] == list(PERIODS)
    ref = next(p for p in points if p.period == -1)
    assert (ref.gap_pp, ref.ci_low_pp, ref.ci_high_pp) == (0.0, 0.0, 0.0)
    for p in points:
        if p.period < -1:
            assert p.ci_low_pp < 0.0 < p.ci_high_pp, p
        if p.period >= 0:
            assert p.gap_pp == pytest.approx(3.0, abs=0.75), p
            assert p.ci_low_pp > 0.0, p


def test_too_few_trusts_for_the_months_before_get_no_joint_test_but_a_reason():
    """Four trusts cannot test five gaps: the clustered covariance has rank three at most,
    and a fund page led with F = 788,875,867,146.02 from such a test."""
    rows, treated = synthetic_panel(3, effect_pp=0.0, trusts=4)

    study = event_study(rows, treated, reference_period=-1)

    assert study.pretrend is None
    assert study.pretrend_missing == (
        "No joint test of the 5 gaps before the announcement: 4 trusts can test at most 3."
    )


def test_the_event_study_needs_data_in_the_reference_period():
    rows, treated = synthetic_panel(2, effect_pp=0.0, trusts=10)

    with pytest.raises(ValueError, match="Reference period"):
        event_study(rows, treated, reference_period=-99)


# --------------------------------------------------------------------------
# XmR chart
# --------------------------------------------------------------------------


def test_xmr_limits_match_the_hand_computed_values():
    values = [10, 12, 11, 13, 14]
    # mean = (10 + 12 + 11 + 13 + 14) / 5 = 60 / 5 = 12
    # moving ranges = |12-10|, |11-12|, |13-11|, |14-13| = 2, 1, 2, 1 -> mean 6 / 4 = 1.5
    # upper = 12 + 2.66 * 1.5 = 15.99 ; lower = 12 - 3.99 = 8.01
    points = xmr(list("abcde"), values)

    assert [p.period_label for p in points] == list("abcde")
    for p in points:
        assert p.mean == pytest.approx(12.0)
        assert p.upper == pytest.approx(15.99)
        assert p.lower == pytest.approx(8.01)
        assert p.special_cause == ""
        assert p.direction == ""


def test_xmr_uses_only_the_baseline_points_for_the_limits():
    values = [10, 12, 10, 12, 50, 60]
    # baseline 4: mean 11, moving ranges 2, 2, 2 -> 2 ; upper = 11 + 5.32 = 16.32
    points = xmr([str(i) for i in range(6)], values, baseline=4)

    assert points[0].mean == pytest.approx(11.0)
    assert points[0].upper == pytest.approx(16.32)
    assert points[0].lower == pytest.approx(5.68)


def test_a_point_outside_the_limits_is_a_special_cause_with_a_direction():
    values = [10, 11, 10, 11, 10, 11, 30, 0]
    # baseline 6: mean 10.5, moving ranges all 1 -> limits 10.5 ± 2.66 = 7.84 .. 13.16
    points = xmr([str(i) for i in range(8)], values, baseline=6)

    assert [p.special_cause for p in points[:6]] == [""] * 6
    assert (points[6].special_cause, points[6].direction) == ("outside_limits", "improvement")
    assert (points[7].special_cause, points[7].direction) == ("outside_limits", "concern")


def test_when_lower_is_better_a_high_point_is_a_concern():
    values = [10, 11, 10, 11, 10, 11, 30]
    points = xmr([str(i) for i in range(7)], values, baseline=6, higher_is_better=False)

    assert (points[6].special_cause, points[6].direction) == ("outside_limits", "concern")


def test_seven_points_on_one_side_of_the_mean_make_a_run_but_six_do_not():
    # Ends below the mean so the baseline itself cannot extend the run.
    baseline = [12, 10, 12, 10, 12, 10, 12, 10]
    # mean 11, mean moving range 2 -> limits 5.68 .. 16.32, 2 sigma band 11 ± 3.547
    run = [11.5, 12, 11.5, 12, 11.5, 12, 11.5]  # 7 points above 11, none trending
    labels = [str(i) for i in range(len(baseline) + len(run))]

    points = xmr(labels, baseline + run, baseline=8)
    short = xmr(labels[:-1], baseline + run[:-1], baseline=8)

    assert [p.special_cause for p in points[:8]] == [""] * 8
    assert [p.special_cause for p in points[8:]] == ["run"] * 7
    assert {p.direction for p in points[8:]} == {"improvement"}
    assert {p.special_cause for p in short} == {""}


def test_seven_rising_points_make_a_trend_but_six_do_not():
    baseline = [10, 20, 10, 20, 10, 20]
    # mean 15, mean moving range 10 -> limits -11.6 .. 41.6, 2 sigma band 15 ± 17.73
    trend = [11, 12, 13, 14, 15, 16, 17]  # crosses the mean, so it is not also a run
    labels = [str(i) for i in range(len(baseline) + len(trend))]

    points = xmr(labels, baseline + trend, baseline=6)
    short = xmr(labels[:-1], baseline + trend[:-1], baseline=6)
    falling = xmr(labels, baseline + trend, baseline=6, higher_is_better=False)

    assert [p.special_cause for p in points[:6]] == [""] * 6
    assert [p.special_cause for p in points[6:]] == ["trend"] * 7
    assert {p.direction for p in points[6:]} == {"improvement"}
    assert {p.direction for p in falling[6:]} == {"concern"}
    assert {p.special_cause for p in short} == {""}


def test_two_of_three_points_beyond_two_sigma_flag_only_the_points_beyond():
    baseline = [10, 12, 10, 12, 10, 12, 10, 12]
    # mean 11, mean moving range 2, sigma = 2.66 / 3 * 2 = 1.7733, 2 sigma = 3.5467
    # -> high band 14.547, low band 7.453, limits 5.68 .. 16.32
    tail = [15, 11, 15, 11, 7, 7, 11]
    labels = [str(i) for i in range(len(baseline) + len(tail))]

    points = xmr(labels, baseline + tail, baseline=8)

    causes = [(p.special_cause, p.direction) for p in points[8:]]
    assert causes == [
        ("two_of_three", "improvement"),
        ("", ""),
        ("two_of_three", "improvement"),
        ("", ""),
        ("two_of_three", "concern"),
        ("two_of_three", "concern"),
        ("", ""),
    ]


def test_outside_limits_takes_priority_over_a_run():
    baseline = [12, 10, 12, 10, 12, 10, 12, 10]
    run = [11.5, 12, 11.5, 12, 11.5, 12, 20]  # last point is both in the run and above 16.32
    labels = [str(i) for i in range(15)]

    points = xmr(labels, baseline + run, baseline=8)

    assert points[-1].special_cause == "outside_limits"
    assert [p.special_cause for p in points[8:14]] == ["run"] * 6


def test_xmr_rejects_fewer_than_two_values():
    with pytest.raises(ValueError):
        xmr(["a"], [1.0])


# --------------------------------------------------------------------------
# Funnel plot
# --------------------------------------------------------------------------

FUNNEL_UNITS = [
    ("A", 1000, 170),  # 83% seen in 4h
    ("B", 1000, 230),  # 77%
    ("C", 3000, 600),  # 80%
    ("E", 10000, 2200),  # 78%
    ("F", 10000, 1800),  # 82%
]
# Pooled: 5,000 over 4h of 25,000 attendances -> p = 0.2, national mean 80%.
# n = 1,000: sd = 100 * sqrt(0.2 * 0.8 / 1000) = 1.2649 pp
#   A: z = (83 - 80) / 1.2649 = +2.372 -> beyond 95% but inside 99.8%
#   B: z = -2.372 -> beyond 95% on the low side
# n = 10,000: sd = 100 * sqrt(0.16 / 10000) = 0.4 pp
#   E: z = (78 - 80) / 0.4 = -5 -> beyond 99.8% ; F: z = +5


def test_funnel_flags_the_hand_computed_points():
    limits, points = funnel(FUNNEL_UNITS, points=5, overdispersion="none")

    assert limits.national_mean == pytest.approx(80.0)
    by_code = {p.code: p for p in points}
    assert by_code["A"].z == pytest.approx(3 / 1.264911, rel=1e-5)
    assert by_code["A"].beyond == "95"
    assert by_code["B"].z == pytest.approx(-3 / 1.264911, rel=1e-5)
    assert by_code["B"].beyond == "95"
    assert by_code["C"].z == pytest.approx(0.0)
    assert by_code["C"].beyond == ""
    assert (by_code["E"].z, by_code["E"].beyond) == (pytest.approx(-5.0), "99.8")
    assert (by_code["F"].z, by_code["F"].beyond) == (pytest.approx(5.0), "99.8")
    assert by_code["E"].percent == pytest.approx(78.0)


def test_funnel_limits_narrow_as_attendances_grow():
    limits, _ = funnel(FUNNEL_UNITS, points=5, overdispersion="none")

    # Geometric grid 1,000 .. 10,000 in 5 steps: ratio 10 ** 0.25 = 1.778.
    assert limits.denominators == [1000, 1778, 3162, 5623, 10000]
    # At n = 1,000: 80 ± 1.959964 * 1.264911 = 80 ± 2.4791
    assert limits.upper_95[0] == pytest.approx(82.4791, abs=1e-4)
    assert limits.lower_95[0] == pytest.approx(77.5209, abs=1e-4)
    # At n = 10,000: 80 ± 3.090232 * 0.4 = 80 ± 1.2361
    assert limits.upper_998[-1] == pytest.approx(81.2361, abs=1e-4)
    assert np.all(np.diff(limits.upper_95) < 0)
    assert np.all(np.diff(limits.lower_95) > 0)
    assert np.all(np.diff(limits.upper_998) < 0)
    assert np.all(np.array(limits.upper_998) > np.array(limits.upper_95))


def test_funnel_limits_are_clipped_to_zero_and_a_hundred_percent():
    limits, _ = funnel([("tiny", 2, 0), ("big", 2000, 20)], points=20, overdispersion="none")

    for series in (limits.lower_95, limits.upper_95, limits.lower_998, limits.upper_998):
        assert all(0.0 <= v <= 100.0 for v in series)
    assert limits.upper_998[0] == 100.0
    assert math.isclose(limits.national_mean, 100 * (1 - 20 / 2002))
