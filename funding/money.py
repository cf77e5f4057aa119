"""Pence arithmetic. Money is whole pence (int); shares are exact fractions until rounded."""

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PENNY = Decimal("0.01")
# Far above any fund, far below what a BigIntegerField of pence holds; an amount is checked
# against it before it is multiplied out, so four hundred thousand digits cost nothing to refuse.
MAX_POUNDS = Decimal(10**12)
# Digits, and pence after a point: not Python's own number syntax ("1e6", "1_000", "Infinity").
# ASCII digits only: re reads Arabic-Indic and other digits as \d, and Decimal takes them.
PLAIN_POUNDS = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def pounds_to_pence(value: str | int | Decimal) -> int:
    """Exact: "1234.50" is 123450. Fractions of a penny and separators are refused."""
    text = str(value).strip().removeprefix("£")
    # An error quotes what was written, but not a thousand digits of it.
    shown = repr(text if len(text) <= 24 else f"{text[:20]}...")
    if "," in text:
        raise ValueError(f"{shown}: write {text.replace(',', '')[:24]}, without separators")
    if not PLAIN_POUNDS.fullmatch(text):
        raise ValueError(f"{shown} is not an amount in pounds")
    pounds = Decimal(text)
    if pounds < 0:
        raise ValueError(f"{shown} is negative")
    if pounds > MAX_POUNDS:
        raise ValueError(f"{shown} is more than £{MAX_POUNDS:,}, the most an amount can be")
    pence = pounds * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"{shown} has a fraction of a penny")
    return int(pence)


def pence_to_pounds(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(PENNY)


def format_pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    return f"{sign}£{pence_to_pounds(abs(pence)):,}"


def format_pounds_whole(pence: int) -> str:
    """Pounds as tables show them: £3,750,633, with the pence only when there are some."""
    if pence % 100:
        return format_pounds(pence)
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) // 100:,}"


# From the largest: an amount that rounds to 1,000 of one unit is written in the next.
_SHORT_UNITS = ((10**9, "bn"), (10**6, "m"), (10**3, "k"))


def format_pounds_short(pence: int) -> str:
    """Pounds as prose and charts say them, to three significant figures: £3.75m, £12.8m,
    £3.8bn, £45.5k; whole pounds below a thousand."""
    sign = "-" if pence < 0 else ""
    pounds = Decimal(abs(pence)) / 100
    for size, suffix in _SHORT_UNITS:
        if pounds >= size * Decimal("0.9995"):
            return f"{sign}£{_three_figures(pounds / size)}{suffix}"
    return f"{sign}£{pounds.quantize(Decimal(1), rounding=ROUND_HALF_UP)}"


def _three_figures(value: Decimal) -> str:
    places = max(0, 3 - len(str(int(value))))
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return format(rounded.normalize(), "f")


def round_half_up(value: Fraction) -> int:
    # In whole numbers: what is left over the floor is remainder / denominator, and that is a
    # half or more when twice the remainder is the denominator or more. Subtracting and
    # comparing Fractions cost 3 microseconds a value, 5 ms of /performance/ at 10x England.
    floor, remainder = divmod(value.numerator, value.denominator)
    return floor + (2 * remainder >= value.denominator)


def largest_remainder(
    total_pence: int, weights: Mapping[str, int | Fraction | Decimal]
) -> dict[str, int]:
    """Splits a total in proportion to weights, exactly, by the largest-remainder method."""
    if total_pence < 0:
        raise ValueError("a total to share cannot be negative")
    exact_weights = {key: Fraction(weight) for key, weight in weights.items()}
    negative = sorted(key for key, weight in exact_weights.items() if weight < 0)
    if negative:
        raise ValueError(f"negative weights for {', '.join(negative)}")
    whole = sum(exact_weights.values(), Fraction(0))
    if whole == 0:
        if total_pence:
            raise ValueError("every weight is zero, so there is nothing to share the total by")
        return dict.fromkeys(exact_weights, 0)
    return round_to_total(
        {key: total_pence * weight / whole for key, weight in exact_weights.items()}, total_pence
    )


def round_to_total(exact_pence: Mapping[str, Fraction], total_pence: int) -> dict[str, int]:
    """Rounds exact amounts to whole pence that sum to total_pence.

    Everyone gets the whole pence of their exact amount; the pennies left over go one each
    to the largest remainders, ties going to the lower key, so the same inputs always give
    the same answer whatever their order. total_pence must be the exact sum rounded (so
    each amount ends within a penny of its exact value).
    """
    shares = {key: exact.numerator // exact.denominator for key, exact in exact_pence.items()}
    left_over = total_pence - sum(shares.values())
    if not 0 <= left_over <= len(shares):
        raise ValueError(f"{total_pence} pence is not the rounded sum of the exact amounts")
    remainders = sorted(
        ((exact - shares[key], key) for key, exact in exact_pence.items() if exact != shares[key]),
        key=lambda item: (-item[0], item[1]),
    )
    for _, key in remainders[:left_over]:
        shares[key] += 1
    return shares
