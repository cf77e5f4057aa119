"""The regression discontinuity at a worst-N cut-off. SYNTHETIC data (fixed seeds) only."""

import numpy as np
import pytest

from impact.stats import regression_discontinuity


def cut_off_panel(seed: int, effect_pp: float, trusts: int = 150):
    """Trusts ranked on a noisy performance; the worst 50 funded. The outcome (a change in
    performance) slopes with the ranking metric, as regression to the mean makes it, and
    jumps by effect_pp on the funded side."""
    rng = np.random.default_rng(seed)
    running = rng.normal(88.0, 5.0, size=trusts)
    cutoff = float(np.mean(np.sort(running)[49:51]))
    funded = running < cutoff
    outcome = -0.4 * (running - 88.0) + effect_pp * funded + rng.normal(0.0, 1.0, size=trusts)
    return list(zip(running.tolist(), outcome.tolist(), strict=True)), cutoff


@pytest.mark.parametrize("seed", [21, 22])
def test_it_recovers_a_planted_jump_at_the_cut_off(seed):
    units, cutoff = cut_off_panel(seed, effect_pp=3.0)
    rd = regression_discontinuity(units, cutoff=cutoff, bandwidth=6.0)
    assert rd.ci_low_pp < 3.0 < rd.ci_high_pp and rd.ci_low_pp > 0
    assert rd.effect_pp == pytest.approx(3.0, abs=1.2)
    assert rd.funded_in_bandwidth + rd.unfunded_in_bandwidth < 150


@pytest.mark.parametrize("seed", [23, 24])
def test_the_slope_of_regression_to_the_mean_is_not_a_jump(seed):
    units, cutoff = cut_off_panel(seed, effect_pp=0.0)
    rd = regression_discontinuity(units, cutoff=cutoff, bandwidth=6.0)
    assert rd.ci_low_pp < 0 < rd.ci_high_pp


def test_it_states_how_many_trusts_each_side_and_refuses_too_few():
    units = [(80.0, 1.0), (81.0, 1.0), (82.0, 1.0), (90.0, 0.0), (95.0, 0.0)]
    with pytest.raises(ValueError, match="3 funded and 1 unfunded"):
        regression_discontinuity(units, cutoff=85.0, bandwidth=6.0)
