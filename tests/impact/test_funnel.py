"""Funnel limits with Spiegelhalter's (2005) overdispersion adjustment. SYNTHETIC data only."""

import numpy as np
import pytest

from impact.stats import funnel


def overdispersed_trusts(seed: int, trusts: int = 145):
    """Trusts whose true performance varies (sd 4 points) around 91%, far beyond binomial
    chance at 20,000-60,000 attendances a quarter, as A&E performance does."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(trusts):
        attendances = int(rng.integers(20_000, 60_000))
        true = np.clip(rng.normal(0.91, 0.04), 0.5, 0.995)
        out.append((f"T{i:03d}", attendances, int(rng.binomial(attendances, 1 - true))))
    return out


@pytest.mark.parametrize("seed", [31, 32])
def test_an_overdispersed_funnel_flags_few_trusts_once_adjusted_and_most_without(seed):
    units = overdispersed_trusts(seed)
    _, raw = funnel(units, overdispersion="none")
    for method in ("additive", "multiplicative"):
        limits, adjusted = funnel(units, overdispersion=method)
        flagged = sum(p.beyond == "99.8" for p in adjusted)
        assert flagged <= 5, (method, flagged)
        assert "national mean" in limits.method
    assert sum(p.beyond != "" for p in raw) > 100


def test_the_additive_tau_is_the_spread_between_trusts():
    limits, _ = funnel(overdispersed_trusts(33), overdispersion="additive")
    # Planted between-trust sd: 4 points; winsorising trims it a little.
    assert 100 * np.sqrt(limits.tau2) == pytest.approx(4.0, abs=1.0)
    assert limits.phi == 1.0


def test_a_funnel_without_overdispersion_is_left_binomial():
    rng = np.random.default_rng(34)
    units = [(f"T{i}", 40_000, int(rng.binomial(40_000, 0.09))) for i in range(100)]
    plain, _ = funnel(units, overdispersion="none")
    adjusted, points = funnel(units, overdispersion="additive")
    assert adjusted.tau2 == 0.0 and adjusted.upper_95 == plain.upper_95
    assert sum(p.beyond == "99.8" for p in points) <= 2


def test_it_refuses_an_unknown_adjustment():
    with pytest.raises(ValueError, match="overdispersion"):
        funnel([("A", 10, 1)], overdispersion="log")


def exact_trusts(z_scores):
    """Trusts of 16,384 attendances each whose z-scores are exactly ``z_scores``: with half
    of all attendances over four hours the pooled proportion is exactly 0.5 (the z-scores sum
    to zero), so each trust's standard error is sqrt(0.25 / 16384) = 1/256 and a trust with
    8192 - 64 z breaches sits z standard errors from the mean, in exact binary arithmetic."""
    return [(f"T{i:02d}", 16384, 8192 - 64 * z) for i, z in enumerate(z_scores)]


# Eleven trusts at z = -5 .. 5. Winsorised at the 10th and 90th percentiles (the second and
# tenth of the eleven) the z-scores are -4, -4, -3 .. 3, 4, 4, whose squares sum to 92:
# phi = 92 / 11. With the same weight w = 256² for every trust, tau² = (92 - 10) / (11 w - w).
SPREAD_Z = list(range(-5, 6))


def test_the_multiplicative_phi_is_the_mean_square_of_the_z_scores_winsorised_at_10_percent():
    limits, points = funnel(exact_trusts(SPREAD_Z), overdispersion="multiplicative")
    assert (limits.overdispersion, limits.phi, limits.tau2) == ("multiplicative", 92 / 11, 0.0)
    half = 100 * np.sqrt(92 / 11) / 256
    assert limits.upper_95 == [pytest.approx(50 + 1.959964 * half)]
    assert limits.lower_998 == [pytest.approx(50 - 3.090232 * half)]
    assert points[0].z == pytest.approx(-5 / np.sqrt(92 / 11))
    assert "multiplicative" in limits.method


def test_the_additive_tau_squared_is_the_winsorised_excess_over_chance_over_the_weights():
    limits, points = funnel(exact_trusts(SPREAD_Z), overdispersion="additive")
    assert (limits.phi, limits.tau2) == (1.0, pytest.approx(82 / (10 * 256**2)))
    assert (limits.phi_estimated, limits.overdispersed) == (pytest.approx(92 / 11), True)
    assert "phi = 8.36 (1 is chance alone): trusts differ more than chance" in limits.method
    # Each limit is sqrt(se² + tau²) = sqrt((10 + 82) / (10 × 256²)) from the mean.
    half = 100 * np.sqrt(92 / (10 * 256**2))
    assert limits.lower_95 == [pytest.approx(50 - 1.959964 * half)]
    assert limits.upper_998 == [pytest.approx(50 + 3.090232 * half)]
    assert limits.lower_998 == [pytest.approx(50 - 3.090232 * half)]
    assert points[10].z == pytest.approx(5 / (256 * half / 100))


def test_z_scores_whose_squares_sum_to_trusts_minus_one_leave_the_limits_binomial():
    # Five at -1, one at 0, five at +1: the squares sum to 10 = 11 - 1, no more than chance.
    # A multiplicative phi of 10 / 11 would narrow the limits; they are only ever widened.
    binomial, _ = funnel(exact_trusts([-1] * 5 + [0] + [1] * 5), overdispersion="none")
    for method in ("multiplicative", "additive"):
        limits, _ = funnel(exact_trusts([-1] * 5 + [0] + [1] * 5), overdispersion=method)
        assert (limits.phi, limits.tau2) == (1.0, 0.0)
        assert (limits.phi_estimated, limits.overdispersed) == (pytest.approx(10 / 11), False)
        assert "phi = 0.91 (1 is chance alone): trusts differ no more than chance" in limits.method
        assert limits.lower_95 == binomial.lower_95 == [pytest.approx(50 - 1.959964 * 100 / 256)]


def test_z_scores_whose_squares_sum_to_one_more_than_trusts_minus_one_give_a_small_tau():
    # Twelve trusts at -1 and +1: squares sum to 12 against 12 - 1; tau² = 1 / (12 w - w).
    limits, _ = funnel(exact_trusts([-1] * 6 + [1] * 6), overdispersion="additive")
    assert limits.tau2 == pytest.approx(1 / (11 * 256**2))


def test_three_trusts_are_enough_to_estimate_overdispersion_and_two_are_not():
    three, _ = funnel(exact_trusts([-5, 0, 5]), overdispersion="multiplicative")
    # Three z-scores: the 10th and 90th percentiles are -4 and 4, so phi = (16 + 0 + 16) / 3.
    assert three.phi == pytest.approx(32 / 3)
    two, _ = funnel(exact_trusts([-5, 5]), overdispersion="multiplicative")
    assert (two.phi, two.tau2, two.phi_estimated) == (1.0, 0.0, None)
    assert "Too few trusts to estimate overdispersion" in two.method
