"""XmR charts by Making Data Count: recalculated limits, change points and the two icons.
Every series here is SYNTHETIC (fixed seeds or written out by hand)."""

import numpy as np
import pytest

from impact.stats import spc_summary, xmr


def stepped_series(seed: int):
    """Two years of a process at 88% that steps up to 94% for good after month 12."""
    rng = np.random.default_rng(seed)
    return [88 + rng.normal(0, 1) for _ in range(12)] + [94 + rng.normal(0, 1) for _ in range(12)]


@pytest.mark.parametrize("seed", [41, 42])
def test_a_sustained_shift_starts_new_limits_where_it_starts(seed):
    values = stepped_series(seed)
    points = xmr([str(i) for i in range(24)], values)
    segments = [p.segment for p in points]
    assert segments == [0] * 12 + [1] * 12
    assert points[11].recalculated.startswith("sustained shift: 8+ points")
    assert points[12].limits_from == points[11].recalculated
    assert points[0].mean == pytest.approx(np.mean(values[:12]))
    assert points[12].mean == pytest.approx(np.mean(values[12:]))
    # Against its own limits the new level is ordinary variation.
    assert all(p.special_cause != "outside_limits" for p in points[12:])


def test_without_recalculation_the_whole_series_makes_one_misleading_set_of_limits():
    values = stepped_series(41)
    points = xmr([str(i) for i in range(24)], values, shift_run=None)
    assert {p.segment for p in points} == {0}
    assert points[0].mean == pytest.approx(np.mean(values))


def test_a_chosen_change_point_and_baseline_set_the_limits():
    values = [10, 12, 10, 12, 10, 12, 20, 22, 20, 22]
    points = xmr([str(i) for i in range(10)], values, baseline=4, change_points=[6])
    assert [p.segment for p in points] == [0] * 6 + [1] * 4
    assert points[0].mean == 11 and points[5].upper == pytest.approx(11 + 2.66 * 2)
    assert points[6].mean == 21 and points[6].limits_from == "change point"
    with pytest.raises(ValueError, match="change points"):
        xmr([str(i) for i in range(10)], values, change_points=[9])


def test_limits_after_a_change_point_and_then_a_shift_say_each_why_they_start():
    # A change point at 6, then ten points around 21 and ten around 41: the stretch from 6
    # has mean 31, the ten points from 16 all lie above it, so the limits start again there.
    values = [10, 12] * 3 + [20, 22] * 5 + [40, 42] * 5
    points = xmr([str(i) for i in range(26)], values, change_points=[6])
    assert [p.segment for p in points] == [0] * 6 + [1] * 10 + [2] * 10
    assert [points[i].limits_from for i in (0, 6, 16)] == [
        "baseline",
        "change point",
        "sustained shift: 8+ points on one side",
    ]
    assert (points[6].mean, points[16].mean) == (21, 41)


def test_the_icons_read_the_latest_point_and_the_latest_limits_against_the_standard():
    steady_high = xmr([str(i) for i in range(12)], [98, 99] * 6)
    assert spc_summary(steady_high, standard=95).assurance == "consistently meets the standard"
    steady_low = xmr([str(i) for i in range(12)], [80, 82] * 6)
    summary = spc_summary(steady_low, standard=95)
    assert summary.assurance == "consistently misses the standard"
    assert summary.variation == "common cause variation"
    straddling = xmr([str(i) for i in range(12)], [93, 97] * 6)
    assert spc_summary(straddling, standard=95).assurance.startswith("hit and miss")
    dropped = xmr([str(i) for i in range(10)], [90, 91] * 4 + [90, 70], baseline=8)
    assert spc_summary(dropped, standard=95).variation == "special cause concern"
