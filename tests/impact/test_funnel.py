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
