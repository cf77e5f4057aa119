"""Money in the house style: short in prose and charts, whole pounds in tables."""

import pytest

from funding.money import format_pounds_short, format_pounds_whole


@pytest.mark.parametrize(
    ("pence", "shown"),
    [
        (375_063_306, "£3.75m"),
        (1_280_000_000, "£12.8m"),
        (380_000_000_000, "£3.8bn"),
        (8_000_000_000, "£80m"),
        (22_100_000_000, "£221m"),
        (4_550_000, "£45.5k"),
        (95_000, "£950"),
        (95_050, "£951"),
        (0, "£0"),
        (-125_000_000, "-£1.25m"),
        # Rounding to three figures carries into the next unit.
        (99_960_000_000, "£1bn"),
        (99_950_000, "£1m"),
        (99_949_999, "£999k"),
        (100_000, "£1k"),
        (99_950, "£1k"),
        (99_949, "£999"),
        # Half of the last figure rounds up.
        (3_755_000_00, "£3.76m"),
        (3_745_000_00, "£3.75m"),
    ],
)
def test_prose_says_money_to_three_figures(pence, shown):
    assert format_pounds_short(pence) == shown


@pytest.mark.parametrize(
    ("pence", "shown"),
    [
        (8_000_000_000, "£80,000,000"),
        (375_063_306, "£3,750,633.06"),
        (100, "£1"),
        (1, "£0.01"),
        (0, "£0"),
        (-250_000, "-£2,500"),
        (-250_001, "-£2,500.01"),
    ],
)
def test_tables_show_whole_pounds_and_pence_only_where_there_are_some(pence, shown):
    assert format_pounds_whole(pence) == shown
