"""The design's edges: announcements on the first and last days of a financial year, windows
that touch the selection months or the announcement by one day, footprints wholly funded or
made of two part-funded groups, and trusts with a single attendance.

Each expectation is worked out by hand from the dates; `make mutation` checks that flipping a
comparison or a constant in impact/design.py makes one of these fail.
"""

import datetime as dt

from impact import design
from impact.design import FootprintChange
from impact.stats import PanelRow
from trusts.windows import Window


def test_announced_on_31_march_the_winter_ending_that_day_is_neither_before_nor_after():
    before, after = design.default_windows(dt.date(2013, 3, 31), None)
    # Winter 2012-13 holds the announcement, and none of its whole months come after it.
    assert (str(before), str(after)) == ("Winter 2011-12", "Winter 2013-14")


def test_announced_on_1_april_the_winter_just_ended_is_before():
    before, after = design.default_windows(dt.date(2013, 4, 1), None)
    # 1 April 2013 starts financial year 2013-14, whose winter runs November 2013 to March 2014.
    assert (str(before), str(after)) == ("Winter 2012-13", "Winter 2013-14")
    assert (after.start, after.end) == (dt.date(2013, 11, 1), dt.date(2014, 3, 31))


ANNOUNCED = dt.date(2013, 9, 10)
AFTER = design.winter(2014)


def test_a_before_window_that_starts_on_the_last_selection_day_overlaps_it():
    selection = Window(dt.date(2013, 1, 1), dt.date(2013, 3, 31))
    before = Window(dt.date(2013, 3, 31), dt.date(2013, 5, 31))
    [warning] = design.window_warnings(before, AFTER, announced_on=ANNOUNCED, selection=selection)
    assert warning == (
        "The before window overlaps the months the rule ranked trusts on "
        "(1 Jan 2013 to 31 Mar 2013). Trusts picked for a bad spell tend to recover whatever "
        "happens (regression to the mean), so the estimate counts that recovery as the "
        "money's effect."
    )


def test_a_before_window_that_ends_on_the_first_selection_day_overlaps_it():
    selection = Window(dt.date(2013, 1, 1), dt.date(2013, 3, 31))
    before = Window(dt.date(2012, 11, 1), dt.date(2013, 1, 1))
    warnings = design.window_warnings(before, AFTER, announced_on=ANNOUNCED, selection=selection)
    assert len(warnings) == 1 and "overlaps the months the rule ranked" in warnings[0]
    day_before = Window(dt.date(2012, 11, 1), dt.date(2012, 12, 31))
    assert (
        design.window_warnings(day_before, AFTER, announced_on=ANNOUNCED, selection=selection) == ()
    )


def test_a_before_window_that_ends_on_the_announcement_day_runs_past_it():
    before = Window(dt.date(2013, 6, 1), ANNOUNCED)
    assert design.window_warnings(before, AFTER, announced_on=ANNOUNCED, selection=None) == (
        "The before window runs past the announcement (10 Sep 2013), so it holds months when "
        "trusts already knew about the money.",
    )
    day_before = Window(dt.date(2013, 6, 1), dt.date(2013, 9, 9))
    assert design.window_warnings(day_before, AFTER, announced_on=ANNOUNCED, selection=None) == ()


def test_an_after_window_may_start_on_the_announcement_day_but_not_the_day_before():
    before = design.winter(2013)
    on_the_day = Window(ANNOUNCED, dt.date(2014, 3, 31))
    assert design.window_warnings(before, on_the_day, announced_on=ANNOUNCED, selection=None) == ()
    day_before = Window(dt.date(2013, 9, 9), dt.date(2014, 3, 31))
    assert design.window_warnings(before, day_before, announced_on=ANNOUNCED, selection=None) == (
        "The after window starts before the announcement (10 Sep 2013), so it holds months "
        "before any money was promised.",
    )


def test_a_wholly_funded_merger_is_one_trust_and_says_so():
    merged_on = dt.date(2012, 7, 1)
    unit_of, left_out, changes = design.footprints(
        [("RCC", "RCB", merged_on)], treated={"RCC", "RCB"}
    )
    assert (unit_of, left_out) == ({"RCC": "RCB", "RCB": "RCB"}, set())
    assert changes == (
        FootprintChange(
            "RCC", "RCB", merged_on, "merged", "RCB + RCC counted as one trust, RCB, throughout"
        ),
    )


def test_two_part_funded_groups_are_both_left_out_and_each_says_why():
    first, second = dt.date(2012, 4, 1), dt.date(2013, 10, 1)
    unit_of, left_out, changes = design.footprints(
        [("RA1", "RB2", first), ("RC3", "RD4", second), ("RC5", "RD4", second)],
        treated={"RA1", "RC3", "RC5"},
    )
    assert unit_of == {}
    assert left_out == {"RA1", "RB2", "RC3", "RC5", "RD4"}
    assert changes == (
        FootprintChange(
            "RA1", "RB2", first, "left out", "funded RA1 and unfunded RB2 share hospitals"
        ),
        FootprintChange(
            "RC3", "RD4", second, "left out", "funded RC3, RC5 and unfunded RD4 share hospitals"
        ),
        FootprintChange(
            "RC5", "RD4", second, "left out", "funded RC3, RC5 and unfunded RD4 share hospitals"
        ),
    )


def test_a_single_attendance_counts_as_being_seen_and_none_does_not():
    rows = [PanelRow("A", p, 1, 0) for p in (0, 1)] + [
        PanelRow("B", 0, 100, 10),
        PanelRow("B", 1, 0, 0),
    ]
    kept, dropped = design.balanced(rows, [0, 1])
    assert sorted((r.code, r.period) for r in kept) == [("A", 0), ("A", 1)]
    assert dropped == {"B"}
