import datetime as dt

import pytest

from trusts.windows import (
    Window,
    financial_quarter_window,
    financial_year_of,
    financial_year_window,
    window_parse,
)


def test_q4_of_2012_13_is_january_to_march_2013():
    assert financial_quarter_window(2012, 4) == Window(
        dt.date(2013, 1, 1), dt.date(2013, 3, 31), "2012-13 Q4"
    )


def test_q1_starts_in_april():
    window = financial_quarter_window(2013, 1)
    assert (window.start, window.end) == (dt.date(2013, 4, 1), dt.date(2013, 6, 30))


def test_a_financial_year_runs_april_to_march():
    window = financial_year_window(2013)
    assert (window.start, window.end, window.label) == (
        dt.date(2013, 4, 1),
        dt.date(2014, 3, 31),
        "2013-14",
    )


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2012-13 Q4", dt.date(2013, 1, 1), dt.date(2013, 3, 31)),
        ("2012-13Q3", dt.date(2012, 10, 1), dt.date(2012, 12, 31)),
        ("2013-14", dt.date(2013, 4, 1), dt.date(2014, 3, 31)),
        ("2016-02", dt.date(2016, 2, 1), dt.date(2016, 2, 29)),
        ("2013-01-07,2013-02-03", dt.date(2013, 1, 7), dt.date(2013, 2, 3)),
    ],
)
def test_it_reads_every_way_of_writing_a_window(text, start, end):
    window = window_parse(text)
    assert (window.start, window.end) == (start, end)


@pytest.mark.parametrize("text", ["2013-15", "2013-13", "last winter", "2013-14 Q5", ""])
def test_it_rejects_what_is_not_a_window(text):
    with pytest.raises(ValueError, match=r"not a window|next year|quarter"):
        window_parse(text)


def test_a_window_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="before it starts"):
        Window(dt.date(2013, 3, 31), dt.date(2013, 1, 1))


def test_march_belongs_to_the_year_that_began_the_april_before():
    assert financial_year_of(dt.date(2013, 3, 31)) == "2012-13"
    assert financial_year_of(dt.date(2013, 4, 1)) == "2013-14"
