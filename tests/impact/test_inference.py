"""Inference for the impact estimate: statsmodels agreement, the wild cluster bootstrap and
the attendance-weighted estimate.

The agreement test uses the REAL shipped weekly A&E figures; every other panel is SYNTHETIC
(numpy default_rng, fixed seeds).
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from impact import stats
from impact.stats import PanelRow, did_estimate
from tests.impact.test_stats import AFTER, BEFORE, synthetic_panel


@pytest.mark.django_db
def test_the_estimate_agrees_with_a_dummy_variable_regression_on_real_figures(real_data):
    from impact.selectors import monthly_panel
    from trusts.selectors import league_table
    from trusts.windows import Window

    # Type 1 A&E, winter 2011-12 against winter 2013-14; "treated" are the worst 53 of
    # January to March 2013, as the 2013-14 winter fund's rule ranks them.
    worst = league_table(Window(dt.date(2013, 1, 1), dt.date(2013, 3, 31)), types=["1"])[:53]
    treated = {row.ods_code for row in worst}
    rows, _ = monthly_panel(
        Window(dt.date(2011, 11, 1), dt.date(2014, 3, 31)),
        types=["1"],
        grain="week",
        announced_month=dt.date(2013, 9, 1),
    )
    before, after = (-22, -18), (2, 6)
    frame = pd.DataFrame(
        [
            {
                "code": r.code,
                "period": r.period,
                "y": 100 * (1 - r.over_4h / r.attendances),
                "attendances": r.attendances,
                "window": "before" if r.period <= before[1] else "after",
            }
            for r in rows
            if before[0] <= r.period <= before[1] or after[0] <= r.period <= after[1]
        ]
    )
    both = frame.groupby("code")["window"].nunique() == 2
    frame = frame[frame["code"].isin(both[both].index)].reset_index(drop=True)
    frame["did"] = (frame["code"].isin(treated) & (frame["window"] == "after")).astype(float)
    groups = pd.factorize(frame["code"])[0]
    assert frame["code"].nunique() > 130 and len(frame) > 1300

    for weighting, model in (
        ("trust", smf.ols("y ~ did + C(period) + C(code)", frame)),
        ("attendances", smf.wls("y ~ did + C(period) + C(code)", frame, weights=frame.attendances)),
    ):
        ours = did_estimate(rows, treated, before=before, after=after, weighting=weighting)
        theirs = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        assert ours.observations == len(frame)
        assert ours.effect_pp == pytest.approx(theirs.params["did"], abs=1e-6)
        # Same CR1 sandwich; the dummy regression counts the trust effects in K, we do not.
        n, k_dummies = len(frame), len(theirs.params)
        k_ours = 1 + frame["period"].nunique() - 1
        rescale = np.sqrt((n - k_dummies) / (n - k_ours))
        assert ours.std_error_pp == pytest.approx(theirs.bse["did"] * rescale, abs=1e-6)


def _fit(seed: int, effect_pp: float, trusts: int = 40, kept=range(-6, 6), by_attendances=False):
    """The fit did_estimate makes of a synthetic panel, windows (-6, -1) and (0, 5) unless
    fewer periods are ``kept``, each trust-month counting the same unless ``by_attendances``."""
    rows, treated = synthetic_panel(seed, effect_pp=effect_pp, trusts=trusts)
    obs = [r for r in rows if r.attendances and r.period in kept]
    codes = sorted({r.code for r in obs})
    periods = sorted({r.period for r in obs})
    cluster_idx = np.array([codes.index(r.code) for r in obs])
    y = np.array([100 * (1 - r.over_4h / r.attendances) for r in obs])
    did = np.array([float(r.code in treated and r.period >= 0) for r in obs])
    dummies = np.array([[float(r.period == p) for p in periods[1:]] for r in obs])
    weights = np.array([float(r.attendances) for r in obs]) if by_attendances else None
    return stats._fe_fit(cluster_idx, y, np.column_stack([did, dummies]), weights)


@pytest.mark.parametrize(
    ("kept", "by_attendances"),
    [(range(-6, 6), False), (range(-1, 1), False), (range(-6, 6), True)],
    ids=["12 periods", "2 periods", "weighted by attendances"],
)
def test_the_bootstrap_statistic_is_the_cr1_t_that_statsmodels_reports(kept, by_attendances):
    # With two periods one period dummy is left besides the effect, and it is partialled out
    # all the same; weighted, the bootstrap works on the data scaled by the root of the weights.
    fit = _fit(5, effect_pp=1.0, kept=kept, by_attendances=by_attendances)
    observed, drawn = stats._restricted_wild_t(fit, 0, np.ones((fit.clusters, 3)))
    assert observed == pytest.approx(fit.result.tvalues[0], rel=1e-9)
    # Weights of one rebuild the observed outcome, so every draw is the observed t.
    assert np.allclose(drawn, observed, rtol=1e-9)


def test_each_bootstrap_draw_is_the_cr1_t_of_the_outcome_rebuilt_from_the_restricted_fit():
    """Restricted wild cluster bootstrap: fit the model with no effect, then each trust's
    residuals from that fit are multiplied by the trust's weight and added back to its fitted
    values; the draw's t is the CR1 t that statsmodels reports for that outcome."""
    fit = _fit(5, effect_pp=1.0)
    others = fit.x[:, 1:]
    coef, *_ = np.linalg.lstsq(others, fit.y, rcond=None)
    fitted = others @ coef
    residuals = fit.y - fitted
    weights = np.array(stats.WEBB_WEIGHTS)
    flips = np.column_stack(
        [np.resize(weights, fit.clusters), np.resize(weights[::-1], fit.clusters)]
    )
    _, drawn = stats._restricted_wild_t(fit, 0, flips)
    for draw in range(2):
        rebuilt = fitted + residuals * flips[fit.cluster_idx, draw]
        t = stats._fe_fit(fit.cluster_idx, rebuilt, fit.x).result.tvalues[0]
        assert drawn[draw] == pytest.approx(t, rel=1e-9)


def test_the_bootstrap_finds_a_planted_effect_and_rejects_a_true_null_about_one_time_in_20():
    assert stats.wild_cluster_bootstrap_p(_fit(6, effect_pp=3.0), 0) < 0.01
    p_values = [stats.wild_cluster_bootstrap_p(_fit(seed, 0.0), 0, draws=199) for seed in range(60)]
    rejected = np.mean(np.array(p_values) < 0.05)
    assert 0.0 <= rejected <= 0.12
    assert 0.3 < np.mean(p_values) < 0.7, "p-values under the null spread evenly over 0 to 1"


def test_the_same_seed_gives_the_same_bootstrap_p():
    fit = _fit(7, effect_pp=0.0)
    p = stats.wild_cluster_bootstrap_p(fit, 0)
    # Strictly between 0 and 1, so that draws from another seed would give another p.
    assert 0.0 < p < 1.0
    assert stats.wild_cluster_bootstrap_p(fit, 0) == p


def test_the_estimates_bootstrap_p_tests_the_effect_with_as_many_draws_as_asked():
    rows, treated = synthetic_panel(7, effect_pp=0.0, trusts=40)
    estimate = did_estimate(rows, treated, before=BEFORE, after=AFTER, bootstrap_draws=199)
    assert estimate.bootstrap_p == stats.wild_cluster_bootstrap_p(_fit(7, 0.0), 0, draws=199)
    assert 0.0 < estimate.bootstrap_p < 1.0


def test_weighting_by_attendances_follows_the_big_trusts():
    """The money works at the big trusts only: the weighted estimate sees it, the per-trust one
    averages it with the small trusts' nothing."""
    rng = np.random.default_rng(8)
    rows, treated = [], set()
    for i in range(80):
        code, big = f"T{i:02d}", i % 2 == 0
        if i % 4 < 2:
            treated.add(code)
        size = 12000 if big else 1500
        level = rng.normal(88, 3)
        for period in range(-4, 4):
            perf = level + rng.normal(0, 0.5)
            if code in treated and big and period >= 0:
                perf += 4.0
            rows.append(PanelRow(code, period, size, int(size * (1 - perf / 100))))
    per_trust = did_estimate(rows, treated, before=(-4, -1), after=(0, 3))
    weighted = did_estimate(rows, treated, before=(-4, -1), after=(0, 3), weighting="attendances")
    assert per_trust.effect_pp == pytest.approx(2.0, abs=0.4)
    assert weighted.effect_pp == pytest.approx(4 * 12000 / 13500, abs=0.4)
    assert (per_trust.weighting, weighted.weighting) == ("trust", "attendances")
    assert "weighted by its attendances" in weighted.method
    assert "G/(G-1)" in weighted.method and "Webb" in weighted.method


def test_it_refuses_an_unknown_weighting():
    rows, treated = synthetic_panel(1, effect_pp=0.0, trusts=10)
    with pytest.raises(ValueError, match="weighting"):
        did_estimate(rows, treated, before=BEFORE, after=AFTER, weighting="beds")


def test_the_pretrend_test_catches_groups_already_drifting_apart():
    rows, treated = synthetic_panel(9, effect_pp=0.0)
    drifting = [
        PanelRow(
            r.code,
            r.period,
            r.attendances,
            # Treated trusts lose half a point a month before the announcement, then stop.
            r.over_4h
            + (
                int(r.attendances * 0.005 * (r.period + 6))
                if r.code in treated and r.period < 0
                else 0
            ),
        )
        for r in rows
    ]
    assert not stats.event_study(rows, treated).pretrend.fails
    test = stats.event_study(drifting, treated).pretrend
    assert test.fails and test.p_value < 0.001 and test.df_num == 5
