"""The design around the estimate: default windows, overlap warnings, footprints and balance.

Every panel here is SYNTHETIC (numpy default_rng, fixed seeds); no trust data is involved.
"""

import datetime as dt

import numpy as np
import pytest

from impact import design
from impact.stats import PanelRow, did_estimate
from trusts.windows import Window

ANNOUNCED = dt.date(2013, 9, 10)
SELECTION = Window(dt.date(2013, 1, 1), dt.date(2013, 3, 31))


def months_from(announced: dt.date, day: dt.date) -> int:
    return (day.year * 12 + day.month) - (announced.year * 12 + announced.month)


def periods(window: Window) -> tuple[int, int]:
    return months_from(ANNOUNCED, window.start), months_from(ANNOUNCED, window.end)


def test_a_worst_n_rule_puts_the_before_window_ahead_of_its_selection_months():
    before, after = design.default_windows(ANNOUNCED, SELECTION)
    assert (before.start, before.end) == (dt.date(2011, 11, 1), dt.date(2012, 3, 31))
    assert (after.start, after.end) == (dt.date(2013, 11, 1), dt.date(2014, 3, 31))
    assert str(before) == "Winter 2011-12"
    assert design.window_warnings(before, after, announced_on=ANNOUNCED, selection=SELECTION) == ()


def test_other_rules_take_the_last_winter_before_the_announcement():
    before, after = design.default_windows(ANNOUNCED, None)
    assert str(before) == "Winter 2012-13" and str(after) == "Winter 2013-14"
    # Announced mid-winter: that winter is not "before", and "after" is its whole months
    # from the announcement on.
    before, after = design.default_windows(dt.date(2012, 1, 16), None)
    assert str(before) == "Winter 2010-11" and str(after) == "Winter 2011-12 from February 2012"
    assert (after.start, after.end) == (dt.date(2012, 2, 1), dt.date(2012, 3, 31))


@pytest.mark.parametrize(
    ("announced", "after_from", "after_to"),
    [
        (dt.date(2013, 11, 20), dt.date(2013, 12, 1), dt.date(2014, 3, 31)),
        (dt.date(2013, 11, 1), dt.date(2013, 11, 1), dt.date(2014, 3, 31)),
        (dt.date(2013, 3, 20), dt.date(2013, 11, 1), dt.date(2014, 3, 31)),
        (dt.date(2013, 3, 1), dt.date(2013, 3, 1), dt.date(2013, 3, 31)),
        (dt.date(2013, 4, 5), dt.date(2013, 11, 1), dt.date(2014, 3, 31)),
    ],
)
def test_the_default_windows_pass_their_own_checks(announced, after_from, after_to):
    for selection in (None, SELECTION):
        before, after = design.default_windows(announced, selection)
        assert (after.start, after.end) == (after_from, after_to)
        assert (
            design.window_warnings(before, after, announced_on=announced, selection=selection) == ()
        )


def test_a_chosen_overlap_is_allowed_but_says_why_it_misleads():
    warnings = design.window_warnings(
        design.winter(2013), design.winter(2014), announced_on=ANNOUNCED, selection=SELECTION
    )
    assert len(warnings) == 1 and "regression to the mean" in warnings[0]
    late = Window(dt.date(2013, 6, 1), dt.date(2013, 10, 31))
    warnings = design.window_warnings(
        late, design.winter(2014), announced_on=ANNOUNCED, selection=None
    )
    assert "past the announcement" in warnings[0]


def selected_on_outcome_panel(seed: int, trusts: int = 150, worst: int = 50):
    """Monthly performance with no effect of any money; the worst 50 of January to March 2013
    are "funded". Each trust has a lasting level, a shock for each winter (a bad winter is
    bad for months, then passes) and monthly noise."""
    rng = np.random.default_rng(seed)
    first, last = (
        months_from(ANNOUNCED, dt.date(2011, 11, 1)),
        months_from(ANNOUNCED, dt.date(2014, 3, 31)),
    )
    months = range(first, last + 1)
    level = rng.normal(0.0, 4.0, size=trusts)
    month_effect = {m: rng.normal(0.0, 2.0) for m in months}
    winter_shock = rng.normal(0.0, 3.0, size=(trusts, 4))

    def winter_of(month: int) -> int:
        # Winter index from the month's offset: November (offset 2 from September) opens one.
        return (month + 10) // 12 + 1

    performance = {
        (i, m): 85.0 + level[i] + month_effect[m] + winter_shock[i, winter_of(m)] + rng.normal(0, 1)
        for i in range(trusts)
        for m in months
    }
    selection = range(*(lambda a, b: (a, b + 1))(*periods(SELECTION)))
    ranked = sorted(range(trusts), key=lambda i: np.mean([performance[i, m] for m in selection]))
    treated = {f"T{i:03d}" for i in ranked[:worst]}
    rows = []
    for (i, m), perf in performance.items():
        attendances = 6000
        over = int(np.rint(attendances * (1 - np.clip(perf, 1, 99) / 100)))
        rows.append(PanelRow(f"T{i:03d}", m, attendances, over))
    return rows, treated


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_picking_the_worst_quarter_fakes_an_effect_that_the_new_default_does_not(seed):
    rows, treated = selected_on_outcome_panel(seed)
    old_before, after = design.winter(2013), design.winter(2014)
    new_before, new_after = design.default_windows(ANNOUNCED, SELECTION)
    assert new_after == after

    old = did_estimate(rows, treated, before=periods(old_before), after=periods(after))
    new = did_estimate(rows, treated, before=periods(new_before), after=periods(after))

    assert old.ci_low_pp > 0, "the old window counts the recovery from a bad winter as an effect"
    assert new.ci_low_pp < 0 < new.ci_high_pp, "no money effect was planted"
    assert abs(new.effect_pp) < abs(old.effect_pp)


def test_a_funded_trust_dissolved_into_unfunded_ones_leaves_them_all_out():
    # South London Healthcare (RYQ, funded) dissolved on 1 October 2013 into RJ2 and RJZ.
    successions = [
        ("RYQ", "RJ2", dt.date(2013, 10, 1)),
        ("RYQ", "RJZ", dt.date(2013, 10, 1)),
        ("RCC", "RCB", dt.date(2012, 7, 1)),
    ]
    unit_of, left_out, changes = design.footprints(successions, treated={"RYQ", "R1H"})
    assert left_out == {"RYQ", "RJ2", "RJZ"}
    # Both unfunded: one footprint, the successor's, throughout.
    assert unit_of == {"RCC": "RCB", "RCB": "RCB"}
    assert [c.outcome for c in changes] == ["left out", "left out", "merged"]
    assert "funded RYQ and unfunded RJ2, RJZ" in changes[0].reason

    rows = [
        PanelRow("RYQ", -1, 1000, 100),
        PanelRow("RJ2", 1, 1700, 300),
        PanelRow("RCC", -1, 400, 40),
        PanelRow("RCB", -1, 600, 30),
        PanelRow("RCB", 1, 1000, 90),
        PanelRow("R1H", 1, 900, 90),
    ]
    merged = sorted(
        design.footprint_rows(rows, unit_of, left_out), key=lambda r: (r.code, r.period)
    )
    assert merged == [
        PanelRow("R1H", 1, 900, 90),
        PanelRow("RCB", -1, 1000, 70),
        PanelRow("RCB", 1, 1000, 90),
    ]


def test_only_trusts_seen_in_every_period_stay_in_the_panel():
    rows = [PanelRow("A", p, 100, 10) for p in (-1, 0, 1)] + [
        PanelRow("B", -1, 100, 10),
        PanelRow("B", 1, 100, 10),
        PanelRow("C", 2, 100, 10),
    ]
    kept, dropped = design.balanced(rows, range(-1, 2))
    assert {r.code for r in kept} == {"A"} and len(kept) == 3
    assert dropped == {"B"}, "C has no figures in these periods at all, so is not dropped"


def test_trusts_that_closed_before_the_money_take_the_side_of_the_trust_they_became():
    """Barts and the London, Newham and Whipps Cross became Barts Health (R1H) in April 2012,
    a year before the winter fund paid R1H: they were never passed over, so R1H is one funded
    footprint throughout. A trust dissolved after the announcement still splits its group."""
    successions = [
        *((code, "R1H", dt.date(2012, 4, 1)) for code in ("RNJ", "RNH", "RGC")),
        ("RYQ", "RJ2", dt.date(2013, 10, 1)),
    ]

    unit_of, left_out, changes = design.footprints(
        successions, treated={"R1H", "RYQ"}, announced=dt.date(2013, 9, 10)
    )

    assert unit_of == {code: "R1H" for code in ("RNJ", "RNH", "RGC", "R1H")}
    assert left_out == {"RYQ", "RJ2"}
    assert [c.outcome for c in changes] == ["merged"] * 3 + ["left out"]
