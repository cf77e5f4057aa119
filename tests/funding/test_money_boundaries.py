"""Money at its edges: the amounts and sentences on either side of each limit in funding.money.

Each expectation is worked out by hand in the test; `make mutation` checks that flipping a
comparison or a constant in funding/money.py makes one of these fail.
"""

import re
from fractions import Fraction

import pytest

from funding.money import (
    format_pounds,
    largest_remainder,
    pounds_to_pence,
    round_half_up,
)


def test_zero_pounds_is_an_amount():
    assert pounds_to_pence("0") == 0
    assert pounds_to_pence("£0.00") == 0


def test_the_largest_amount_is_allowed_and_a_penny_more_is_not():
    # £1,000,000,000,000 is 100 × 10**12 pence.
    assert pounds_to_pence("1000000000000") == 100 * 10**12
    with pytest.raises(ValueError) as refused:
        pounds_to_pence("1000000000000.01")
    assert str(refused.value) == (
        "'1000000000000.01' is more than £1,000,000,000,000, the most an amount can be"
    )


def test_it_shows_how_to_write_an_amount_without_separators():
    with pytest.raises(ValueError) as refused:
        pounds_to_pence("1,234,567.50")
    assert str(refused.value) == "'1,234,567.50': write 1234567.50, without separators"


def test_exactly_half_a_penny_rounds_up_and_less_than_half_rounds_down():
    assert round_half_up(Fraction(1, 2)) == 1
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(49, 100)) == 0
    assert round_half_up(Fraction(7, 1)) == 7


def test_nothing_is_written_without_a_minus_sign():
    assert format_pounds(0) == "£0.00"
    assert format_pounds(1) == "£0.01"
    assert format_pounds(-1) == "-£0.01"


def test_it_says_why_it_cannot_share_a_negative_total():
    with pytest.raises(ValueError, match=r"^a total to share cannot be negative$"):
        largest_remainder(-1, {"a": 1})


def test_it_names_every_negative_weight():
    with pytest.raises(ValueError, match=r"^negative weights for a, c$"):
        largest_remainder(10, {"c": -2, "b": 1, "a": -1})


def test_it_says_why_it_cannot_share_by_weights_that_are_all_zero():
    expected = "every weight is zero, so there is nothing to share the total by"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        largest_remainder(5, {"a": 0, "b": 0})


def test_a_zero_total_over_zero_weights_is_zero_each():
    assert largest_remainder(0, {"a": 0, "b": 0}) == {"a": 0, "b": 0}
