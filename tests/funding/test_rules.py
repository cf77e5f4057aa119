from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funding import rules
from funding.rules import Candidate, MissingInputs, ParameterError, RuleError

TRUSTS = [
    Candidate("RA1", attendances=1000, over_4h=250),  # 75%
    Candidate("RB2", attendances=2000, over_4h=300),  # 85%
    Candidate("RC3", attendances=500, over_4h=50),  # 90%
    Candidate("RD4", attendances=4000, over_4h=100),  # 97.5%
    Candidate("RE5", attendances=1000, over_4h=150),  # 85%, ties with RB2
]


def test_worst_n_picks_the_lowest_performers_with_ties_broken_by_code():
    shares = rules.worst_n(TRUSTS, n=3, total_pence=900, share="equal")
    assert [(s.code, s.rank, s.amount_pence) for s in shares] == [
        ("RA1", 1, 300),
        ("RB2", 2, 300),
        ("RE5", 3, 300),
    ]
    assert "Ranked 1 of 5 on four-hour performance 75.00%" in shares[0].rationale


def test_worst_n_shares_pro_rata_to_attendances_or_breaches():
    by_attendances = rules.worst_n(TRUSTS, n=2, total_pence=3000, share="attendances")
    assert [s.amount_pence for s in by_attendances] == [1000, 2000]
    by_breaches = rules.worst_n(TRUSTS, n=2, total_pence=1100, share="breaches")
    assert [s.amount_pence for s in by_breaches] == [500, 600]


def test_worst_n_with_fewer_candidates_than_n_funds_them_all():
    assert len(rules.worst_n(TRUSTS[:2], n=53, total_pence=10, share="equal")) == 2


def test_worst_n_names_every_trust_without_figures():
    candidates = [*TRUSTS, Candidate("RZ9"), Candidate("RY8", attendances=0, over_4h=0)]
    with pytest.raises(
        MissingInputs, match="A&E figures in the window for 2 eligible organisations: RY8, RZ9"
    ):
        rules.worst_n(candidates, n=2, total_pence=10, share="equal")


def test_per_capita_pays_the_rate_times_the_population():
    shares = rules.per_capita(
        [Candidate("00A", population=1000), Candidate("00B", population=0)],
        rate_pence=200,
        cap_pence=None,
    )
    assert [s.amount_pence for s in shares] == [200_000, 0]
    assert shares[0].rationale == "1,000 people × £2.00 = £2,000.00"


def test_per_capita_scales_down_to_the_cap_exactly():
    candidates = [Candidate(f"0{i}X", population=p) for i, p in enumerate([3, 3, 3])]
    shares = rules.per_capita(candidates, rate_pence=200, cap_pence=1000)
    assert sum(s.amount_pence for s in shares) == 1000
    assert sorted(s.amount_pence for s in shares) == [333, 333, 334]
    assert "scaled to the £10.00 cap" in shares[0].rationale


def test_per_capita_below_the_cap_pays_in_full():
    shares = rules.per_capita([Candidate("00A", population=10)], rate_pence=200, cap_pence=10**6)
    assert shares[0].amount_pence == 2000


def test_per_capita_names_missing_populations():
    with pytest.raises(MissingInputs, match="No population for 2 eligible organisations: 00F, 00G"):
        rules.per_capita(
            [Candidate("00G"), Candidate("00F"), Candidate("00A", population=1)],
            rate_pence=200,
            cap_pence=None,
        )


def test_complement_funds_everyone_not_already_funded():
    candidates = [Candidate("RA1", excluded=True), Candidate("RB2"), Candidate("RC3")]
    shares = rules.complement(candidates, total_pence=101, share="equal")
    assert [(s.code, s.amount_pence) for s in shares] == [("RB2", 51), ("RC3", 50)]


def test_complement_by_population_and_when_nobody_is_left():
    candidates = [Candidate("00A", population=1), Candidate("00B", population=3)]
    assert [
        s.amount_pence for s in rules.complement(candidates, total_pence=8, share="population")
    ] == [2, 6]
    with pytest.raises(RuleError, match="already funded"):
        rules.complement([Candidate("RA1", excluded=True)], total_pence=1, share="equal")


def test_top_slice_takes_a_percentage_of_each_budget():
    shares = rules.top_slice(
        [Candidate("00A", budget_pence=100_000), Candidate("00B", budget_pence=300_001)],
        percent=Decimal("3.5"),
    )
    # 3.5% of 400,001p is 14,000.035p, which rounds to 14,000p in all.
    assert sum(s.amount_pence for s in shares) == 14_000
    assert [s.amount_pence for s in shares] == [3500, 10500]


@pytest.mark.parametrize("budget_pence", [150, 250, 1_000_050, 99])
def test_top_slice_rounds_half_a_penny_up(budget_pence):
    [share] = rules.top_slice([Candidate("00A", budget_pence=budget_pence)], percent=Decimal(1))
    # 1% of 150p is 1.5p: 2p, as money is rounded (half up), never 1p.
    exact = Decimal(budget_pence) / 100
    assert share.amount_pence == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_top_slice_names_missing_budgets():
    with pytest.raises(MissingInputs, match="baseline budget for 1 eligible organisation: 00B"):
        rules.top_slice([Candidate("00A", budget_pence=1), Candidate("00B")], percent=Decimal(1))


def test_pro_rata_shares_any_metric():
    shares = rules.pro_rata(
        [Candidate("A", metric=Decimal("1.5")), Candidate("B", metric=Decimal("0.5"))],
        total_pence=100,
        metric="metric",
    )
    assert [s.amount_pence for s in shares] == [75, 25]


def test_fixed_refuses_duplicates_and_negatives():
    assert [s.amount_pence for s in rules.fixed([("R1H", 5), ("RF4", 7)])] == [5, 7]
    with pytest.raises(RuleError, match="listed twice"):
        rules.fixed([("R1H", 5), ("R1H", 7)])
    with pytest.raises(RuleError, match="negative"):
        rules.fixed([("R1H", -5)])


def test_it_accepts_the_winter_fund_rule():
    cleaned = rules.validate_parameters(
        "worst_n",
        {
            "n": 53,
            "total": "221000000.00",
            "share": "attendances",
            "near_miss": 20,
            "eligible_kinds": ["trust"],
            "window_from": "2013-01-01",
            "window_to": "2013-03-31",
            "department_types": ["1"],
        },
        fund_total_pence=250_000_000_00,
    )
    assert cleaned["n"] == 53 and cleaned["total"] == "221000000.00"


def test_it_names_every_bad_parameter_at_once():
    with pytest.raises(ParameterError) as failure:
        rules.validate_parameters(
            "worst_n",
            {
                "n": 0,
                "total": "1.005",
                "share": "votes",
                "eligible_kinds": "trust",
                "window_from": "2013-03-31",
                "window_to": "2013-01-01",
                "department_types": ["4"],
                "colour": "red",
            },
        )
    assert failure.value.errors == {
        "colour": "is not a parameter of a worst_n rule",
        "n": "must be at least 1",
        "total": "'1.005' has a fraction of a penny",
        "share": "must be one of equal, attendances, breaches",
        "eligible_kinds": "must be a non-empty list of names",
        "department_types": "4 not among 1, 2, other",
        "window_to": "must not be before window_from",
    }


def test_it_requires_what_each_kind_needs():
    with pytest.raises(ParameterError) as failure:
        rules.validate_parameters("per_capita", {"rate": "2.00"})
    assert failure.value.errors == {
        "eligible_kinds": "is required",
        "population_basis": "is required",
        "population_date": "is required",
    }


@pytest.mark.parametrize(
    ("kind", "parameters", "field", "message"),
    [
        (
            "top_slice",
            {"percent": "0", "eligible_kinds": ["ccg"], "budget_year": "2015-16"},
            "percent",
            "more than 0",
        ),
        (
            "top_slice",
            {"percent": "3.5", "eligible_kinds": ["ccg"], "budget_year": "2015-17"},
            "budget_year",
            "financial year",
        ),
        (
            "per_capita",
            {
                "rate": "2",
                "eligible_kinds": ["ccg"],
                "population_basis": "guess",
                "population_date": "2015-13-01",
            },
            "population_basis",
            "registered, resident",
        ),
        ("worst_n", {"n": "many"}, "n", "whole number"),
        (
            "complement",
            {
                "total": "1",
                "share": "population",
                "eligible_kinds": ["ccg"],
                "excluded_funds": ["x"],
            },
            "population_basis",
            "required",
        ),
        ("nonsense", {}, "kind", "not one of"),
    ],
)
def test_it_explains_each_kind_of_bad_parameter(kind, parameters, field, message):
    with pytest.raises(ParameterError) as failure:
        rules.validate_parameters(kind, parameters)
    assert message in failure.value.errors[field]


def test_a_total_above_the_funds_total_is_refused():
    with pytest.raises(ParameterError, match=r"exceeds the fund's total of £100\.00"):
        rules.validate_parameters(
            "complement",
            {
                "total": "150",
                "share": "equal",
                "eligible_kinds": ["trust"],
                "excluded_funds": ["a"],
            },
            fund_total_pence=10_000,
        )


def test_parameters_must_be_an_object():
    with pytest.raises(ParameterError, match="must be a JSON object"):
        rules.validate_parameters("fixed", ["n", 53])


def test_it_describes_a_rule_in_plain_words():
    words = rules.describe(
        "per_capita",
        {
            "rate": "2.00",
            "cap": "100000000.00",
            "eligible_kinds": ["ccg"],
            "population_basis": "registered",
            "population_date": "2015-10-01",
        },
    )
    assert words == (
        "£2.00 per head of registered population on 2015-10-01 for each eligible CCG, "
        "up to £100,000,000.00 in all."
    )


trusts = st.lists(
    st.tuples(st.integers(1, 50_000), st.integers(0, 50_000)).map(
        lambda pair: (pair[0], min(pair[0], pair[1]))
    ),
    min_size=1,
    max_size=40,
).map(
    lambda pairs: [
        Candidate(f"R{i:03d}", attendances=a, over_4h=o, population=a, budget_pence=a * 1000)
        for i, (a, o) in enumerate(pairs)
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    candidates=trusts,
    n=st.integers(1, 60),
    total=st.integers(0, 10**12),
    share=st.sampled_from(["equal", "attendances", "breaches"]),
)
def test_worst_n_pays_out_exactly_its_total(candidates, n, total, share):
    if (
        share == "breaches"
        and sum(c.over_4h for _, c, _ in rules.rank_by_performance(candidates)[:n]) == 0
    ):
        return  # nobody breached, so there is nothing to share by
    shares = rules.worst_n(candidates, n=n, total_pence=total, share=share)
    assert sum(s.amount_pence for s in shares) == total
    assert len(shares) == min(n, len(candidates))


@settings(max_examples=150, deadline=None)
@given(candidates=trusts, rate=st.integers(1, 1000), cap=st.integers(0, 10**9))
def test_per_capita_never_pays_more_than_the_cap_and_hits_it_when_it_binds(candidates, rate, cap):
    shares = rules.per_capita(candidates, rate_pence=rate, cap_pence=cap)
    paid = sum(s.amount_pence for s in shares)
    asked = sum(c.population * rate for c in candidates)
    assert paid == min(asked, cap)


@settings(max_examples=150, deadline=None)
@given(candidates=trusts, percent=st.decimals(min_value="0.01", max_value="100", places=2))
def test_top_slice_is_within_a_penny_of_each_exact_share(candidates, percent):
    shares = {s.code: s.amount_pence for s in rules.top_slice(candidates, percent=percent)}
    for c in candidates:
        assert abs(shares[c.code] - c.budget_pence * percent / 100) <= 1
