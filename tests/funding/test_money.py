from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funding.money import (
    format_pounds,
    largest_remainder,
    pence_to_pounds,
    pounds_to_pence,
    round_half_up,
    round_to_total,
)


def test_it_reads_pounds_exactly():
    assert pounds_to_pence("1234.50") == 123_450
    assert pounds_to_pence("£2") == 200
    assert pounds_to_pence(Decimal("0.01")) == 1


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1.005", "fraction of a penny"),
        ("1,234.50", "without separators"),
        ("-3", "negative"),
        ("ten", "not an amount"),
        ("NaN", "not an amount"),
        ("1e6", "not an amount"),
        ("1_000", "not an amount"),
        ("Infinity", "not an amount"),
        ("5.", "not an amount"),
        # Digits of other scripts: read as £1,234 and £300 before.
        ("\u0661\u0662\u0663\u0664", "not an amount"),
        ("\uff13\uff10\uff10", "not an amount"),
    ],
)
def test_it_refuses_what_is_not_an_exact_amount(text, reason):
    with pytest.raises(ValueError, match=reason):
        pounds_to_pence(text)


def test_it_writes_pounds_with_pence():
    assert format_pounds(12_800_000_00) == "£12,800,000.00"
    assert format_pounds(-100) == "-£1.00"
    assert pence_to_pounds(5) == Decimal("0.05")


def test_it_splits_a_total_that_does_not_divide():
    # 100p in three equal shares: 33 each, and the odd penny to the lowest key.
    assert largest_remainder(100, {"b": 1, "a": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}


def test_the_left_over_pennies_go_to_the_largest_remainders():
    # Exact shares 10 × 1/6 = 1.67, 10 × 2/6 = 3.33, 10 × 3/6 = 5: floors 1, 3, 5; 1 left over.
    assert largest_remainder(10, {"x": 1, "y": 2, "z": 3}) == {"x": 2, "y": 3, "z": 5}


def test_a_zero_weight_gets_nothing_not_even_a_spare_penny():
    assert largest_remainder(7, {"a": 0, "b": 1, "c": 1}) == {"a": 0, "b": 4, "c": 3}


def test_it_refuses_all_zero_and_negative_weights():
    with pytest.raises(ValueError, match="every weight is zero"):
        largest_remainder(5, {"a": 0})
    with pytest.raises(ValueError, match="negative weights for a"):
        largest_remainder(5, {"a": -1, "b": 2})
    assert largest_remainder(0, {"a": 0}) == {"a": 0}


weights = st.dictionaries(
    st.text(alphabet="ABCDEFGHJK0123456789", min_size=3, max_size=3),
    st.integers(min_value=0, max_value=10**9),
    min_size=1,
    max_size=60,
).filter(lambda w: sum(w.values()) > 0)


@settings(max_examples=200, deadline=None)
@given(total=st.integers(min_value=0, max_value=10**13), weights=weights)
def test_shares_always_sum_to_the_total_and_are_within_a_penny(total, weights):
    shares = largest_remainder(total, weights)
    assert sum(shares.values()) == total
    whole = sum(weights.values())
    for key, weight in weights.items():
        assert abs(Fraction(shares[key]) - Fraction(total * weight, whole)) < 1


@settings(max_examples=100, deadline=None)
@given(total=st.integers(min_value=0, max_value=10**9), weights=weights)
def test_the_split_does_not_depend_on_the_order_of_the_inputs(total, weights):
    reversed_weights = dict(reversed(list(weights.items())))
    assert largest_remainder(total, weights) == largest_remainder(total, reversed_weights)


@pytest.mark.parametrize(
    ("value", "pence"),
    [
        (Fraction(1, 2), 1),
        (Fraction(3, 2), 2),
        (Fraction(5, 2), 3),
        (Fraction(49, 100), 0),
        (Fraction(7, 3), 2),
        (Fraction(8, 3), 3),
        (Fraction(4), 4),
        (Fraction(-1, 2), 0),
        (Fraction(-3, 2), -1),
        (Fraction(-7, 3), -2),
        (Fraction(-8, 3), -3),
    ],
)
def test_half_a_penny_rounds_up(value, pence):
    assert round_half_up(value) == pence
    assert type(round_half_up(value)) is int


def test_round_to_total_rounds_each_exact_amount_without_rescaling():
    # A 0.01% top-slice of 10, 20, 30 and 55,490 pounds: rescaling to the rounded total
    # would hand the largest a penny beyond its own ceiling.
    exact = {
        "a": Fraction(1, 10),
        "b": Fraction(2, 10),
        "c": Fraction(3, 10),
        "d": Fraction(5549, 10),
    }
    assert round_to_total(exact, 556) == {"a": 0, "b": 0, "c": 1, "d": 555}


def test_round_to_total_refuses_a_total_that_is_not_the_rounded_sum():
    with pytest.raises(ValueError, match="not the rounded sum"):
        round_to_total({"a": Fraction(1, 2)}, 5)
