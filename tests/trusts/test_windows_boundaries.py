"""Reporting windows at their edges: one-day windows, the first and last months of a year, every
quarter, and the sentences that say why a window is refused.

Each expectation is worked out by hand; `make mutation` checks that flipping a comparison or a
constant in trusts/windows.py makes one of these fail.
"""

import datetime as dt

import pytest

from trusts.windows import Window, financial_quarter_window, month_window, window_parse


def test_a_window_of_one_day_is_allowed():
    day = dt.date(2013, 2, 14)
    assert Window(day, day).end == day
    assert window_parse("2013-02-14,2013-02-14") == Window(day, day)


def test_a_window_that_ends_the_day_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends"):
        Window(dt.date(2013, 2, 14), dt.date(2013, 2, 13))


def test_a_month_is_labelled_with_its_name_and_year():
    assert month_window(2013, 1) == Window(
        dt.date(2013, 1, 1), dt.date(2013, 1, 31), "January 2013"
    )
    assert str(month_window(2012, 12)) == "December 2012"


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [
        (1, dt.date(2012, 4, 1), dt.date(2012, 6, 30)),
        (2, dt.date(2012, 7, 1), dt.date(2012, 9, 30)),
        (3, dt.date(2012, 10, 1), dt.date(2012, 12, 31)),
        (4, dt.date(2013, 1, 1), dt.date(2013, 3, 31)),
    ],
)
def test_every_quarter_of_a_financial_year(quarter, start, end):
    assert financial_quarter_window(2012, quarter) == Window(start, end, f"2012-13 Q{quarter}")


def test_it_says_which_quarter_it_refuses():
    with pytest.raises(ValueError, match=r"^quarter 5 is not 1 to 4$"):
        financial_quarter_window(2012, 5)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2013-01", dt.date(2013, 1, 1), dt.date(2013, 1, 31)),
        ("2013-12", dt.date(2013, 12, 1), dt.date(2013, 12, 31)),
    ],
)
def test_the_first_and_last_months_of_a_calendar_year_parse(text, start, end):
    window = window_parse(text)
    assert (window.start, window.end) == (start, end)


def test_a_quarter_of_a_year_that_does_not_follow_on_is_refused_by_name():
    with pytest.raises(ValueError) as refused:
        window_parse("2012-14 Q1")
    assert str(refused.value) == "'2012-14 Q1': a financial year runs from one year into the next"
