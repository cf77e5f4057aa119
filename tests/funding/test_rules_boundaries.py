"""Allocation rules at their edges, through the entry points funding.services calls: each rule
function, validate_parameters and describe.

Every expected amount and sentence is worked out by hand in the test; `make mutation` checks that
flipping a comparison or a constant in funding/rules.py makes one of these fail.
"""

from decimal import Decimal

import pytest

from funding import rules
from funding.rules import Candidate, MissingInputs, ParameterError, RuleError


def message_of(error_type, function, *args, **options):
    with pytest.raises(error_type) as refused:
        function(*args, **options)
    return str(refused.value)


# --- per capita: the cap -------------------------------------------------------------------

PAIR = [Candidate("00A", population=100), Candidate("00B", population=300)]


def test_a_cap_equal_to_what_the_rate_asks_for_pays_in_full():
    # 100 × £1 + 300 × £1 = £400.00, exactly the cap: nothing is scaled.
    shares = rules.per_capita(PAIR, rate_pence=100, cap_pence=40_000)
    assert [(s.code, s.amount_pence) for s in shares] == [("00A", 10_000), ("00B", 30_000)]
    assert shares[0].rationale == "100 people × £1.00 = £100.00"
    assert shares[0].details == {"population": 100, "rate_pence": 100, "capped": False}


def test_a_cap_a_penny_short_scales_everyone_down():
    # 39,999p shared 1:3 is 9,999.75p and 29,999.25p; the floors leave 1p, which goes to the
    # larger remainder (00A's 0.75).
    shares = rules.per_capita(PAIR, rate_pence=100, cap_pence=39_999)
    assert [(s.code, s.amount_pence) for s in shares] == [("00A", 10_000), ("00B", 29_999)]
    assert shares[1].rationale == (
        "300 people × £1.00 = £300.00; scaled to the £399.99 cap (£400.00 asked for in all)"
    )
    assert shares[1].details == {"population": 300, "rate_pence": 100, "capped": True}


# --- top slice: half pennies and 100 percent -----------------------------------------------


def test_a_top_slice_of_100_percent_takes_the_whole_budget():
    [share] = rules.top_slice([Candidate("00A", budget_pence=12_345)], percent=Decimal("100"))
    assert share.amount_pence == 12_345
    assert share.rationale == "100% of a £123.45 baseline budget"
    assert share.details == {"budget_pence": 12_345, "percent": "100"}


def test_two_half_pennies_make_one_penny_which_goes_to_the_lower_code():
    # 1% of 50p is 0.5p each; 1p in all, and the tie goes to the lower code.
    shares = rules.top_slice(
        [Candidate("00B", budget_pence=50), Candidate("00A", budget_pence=50)], percent=Decimal(1)
    )
    assert [(s.code, s.amount_pence) for s in shares] == [("00A", 1), ("00B", 0)]


# --- worst n: named recipients and quotas --------------------------------------------------

RA1 = Candidate("RA1", attendances=1000, over_4h=250)  # 75%
RB2 = Candidate("RB2", attendances=2000, over_4h=300)  # 85%
RC3 = Candidate("RC3", attendances=500, over_4h=50)  # 90%


def test_named_recipients_beyond_n_are_still_all_that_is_funded():
    [share] = rules.worst_n([RA1, RB2, RC3], n=1, total_pence=1000, share="equal", named=["RC3"])
    assert (share.code, share.amount_pence, share.rank) == ("RC3", 1000, 3)
    assert share.rationale == (
        "Named by a source as a recipient; Ranked 3 of 3 on four-hour performance 90.00% "
        "(50 of 500 attendances over 4 hours); an equal share of £10.00"
    )
    assert share.details == {
        "rank": 3,
        "of": 3,
        "performance_percent": "90.00",
        "attendances": 500,
        "over_4h": 50,
        "named": True,
    }


def test_named_recipients_come_first_then_the_worst_of_the_rest():
    shares = rules.worst_n([RA1, RB2, RC3], n=2, total_pence=1000, share="equal", named=["RC3"])
    assert [(s.code, s.amount_pence) for s in shares] == [("RA1", 500), ("RC3", 500)]
    assert "named" not in shares[0].details


def test_it_says_what_share_of_the_weights_each_recipient_has():
    # Attendances 1,000 of 3,000 is 33.33%; breaches 250 of 550 is 45.45%.
    by_attendances = rules.worst_n([RA1, RB2, RC3], n=2, total_pence=3000, share="attendances")
    assert by_attendances[0].rationale.endswith(
        "; pro rata to 1,000 attendances (33.33%) of £30.00"
    )
    by_breaches = rules.worst_n([RA1, RB2, RC3], n=2, total_pence=1100, share="breaches")
    assert by_breaches[0].rationale.endswith("; pro rata to 250 breaches (45.45%) of £11.00")
    assert [s.amount_pence for s in by_breaches] == [500, 600]


F1 = Candidate("F1", attendances=1000, over_4h=300, group="foundation_trust")  # 70%
N1 = Candidate("N1", attendances=1000, over_4h=200, group="nhs_trust")  # 80%
F2 = Candidate("F2", attendances=1000, over_4h=100, group="foundation_trust")  # 90%
N2 = Candidate("N2", attendances=1000, over_4h=50, group="nhs_trust")  # 95%
GROUPED = [F1, N1, F2, N2]
ONE_EACH = {"foundation_trust": 1, "nhs_trust": 1}


def test_quotas_take_the_worst_of_each_group():
    shares = rules.worst_n(GROUPED, n=2, total_pence=100, share="equal", quotas=ONE_EACH)
    assert [(s.code, s.rank, s.amount_pence) for s in shares] == [("F1", 1, 50), ("N1", 2, 50)]
    assert "; the worst of the foundation trusts;" in shares[0].rationale
    assert "; the worst of the NHS trusts;" in shares[1].rationale
    assert shares[1].details["group"] == "nhs_trust"


def test_a_named_recipient_fills_its_groups_quota_exactly():
    shares = rules.worst_n(
        GROUPED, n=2, total_pence=100, share="equal", named=["N2"], quotas=ONE_EACH
    )
    assert [(s.code, s.rank) for s in shares] == [("F1", 1), ("N2", 4)]
    assert "; the 2nd worst of the NHS trusts;" in shares[1].rationale


@pytest.mark.parametrize(
    ("named", "quotas", "message"),
    [
        ((), {"foundation_trust": 1, "nhs_trust": 2}, "the quotas add up to 3, not 2"),
        (("N1", "N2"), ONE_EACH, "2 named NHS trusts, more than the quota 1"),
        (
            ("F1",),
            {"foundation_trust": 0, "nhs_trust": 2},
            "1 named foundation trust, more than the quota 0",
        ),
    ],
)
def test_quotas_that_cannot_be_met_are_refused(named, quotas, message):
    assert (
        message_of(
            RuleError,
            rules.worst_n,
            GROUPED,
            n=2,
            total_pence=100,
            share="equal",
            named=named,
            quotas=quotas,
        )
        == message
    )


def test_a_trust_in_no_quota_group_is_named():
    assert (
        message_of(
            RuleError,
            rules.worst_n,
            [*GROUPED, RA1],
            n=2,
            total_pence=100,
            share="equal",
            quotas=ONE_EACH,
        )
        == "no quota group for RA1"
    )


def test_a_trust_with_no_breaches_is_ranked_and_one_with_no_attendances_is_missing():
    perfect = Candidate("RP1", attendances=10, over_4h=0)
    [share] = rules.worst_n([perfect], n=1, total_pence=5, share="equal")
    assert share.details["performance_percent"] == "100.00"
    with pytest.raises(MissingInputs) as missing:
        rules.worst_n(
            [Candidate("RZ1", attendances=0, over_4h=0)], n=1, total_pence=5, share="equal"
        )
    assert (missing.value.field, missing.value.codes) == ("performance", ["RZ1"])


# --- complement, pro rata, fixed -----------------------------------------------------------


def test_complement_says_how_many_it_left_out():
    candidates = [Candidate("RA1", excluded=True), Candidate("RB2"), Candidate("RC3")]
    shares = rules.complement(candidates, total_pence=101, share="equal")
    assert shares[0].rationale == (
        "Not funded by the excluded funds (one of 2; 1 left out); an equal share of £1.01"
    )
    assert shares[0].details == {"weight": 1}


def test_complement_by_population_says_each_share_of_the_people():
    candidates = [Candidate("00A", population=1), Candidate("00B", population=3)]
    shares = rules.complement(candidates, total_pence=8, share="population")
    assert shares[0].rationale.endswith("pro rata to 1 people (25.00%) of £0.08")


def test_pro_rata_names_its_metric_and_each_share_of_it():
    shares = rules.pro_rata(
        [Candidate("A", over_4h=1500), Candidate("B", over_4h=500)],
        total_pence=100,
        metric="over_4h",
    )
    assert [s.amount_pence for s in shares] == [75, 25]
    assert shares[0].rationale == "1,500 over 4h (75.00%) of £1.00"
    assert shares[0].details == {"over_4h": "1500"}


def test_pro_rata_over_nothing_shares_nothing():
    [share] = rules.pro_rata([Candidate("A", population=0)], total_pence=0, metric="population")
    assert share.amount_pence == 0
    assert share.rationale == "0 population (0.00%) of £0.00"


def test_pro_rata_refuses_a_metric_it_does_not_know():
    expected = "'votes' is not one of population, budget_pence, attendances, over_4h, metric"
    assert (
        message_of(
            RuleError, rules.pro_rata, [Candidate("A", population=1)], total_pence=1, metric="votes"
        )
        == expected
    )


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        ("budget_pence", "No baseline budget for 1 eligible organisation: B"),
        ("attendances", "No attendances for 1 eligible organisation: B"),
        ("over_4h", "No four-hour breaches for 1 eligible organisation: B"),
        ("metric", "No metric value for 1 eligible organisation: B"),
        ("population", "No population for 1 eligible organisation: B"),
    ],
)
def test_a_missing_input_is_named_in_plain_words(metric, message):
    values = {"budget_pence": 1, "attendances": 1, "over_4h": 1, "metric": 1, "population": 1}
    assert (
        message_of(
            MissingInputs,
            rules.pro_rata,
            [Candidate("A", **values), Candidate("B")],
            total_pence=1,
            metric=metric,
        )
        == message
    )


def test_a_published_amount_of_nothing_is_allowed_and_listed_by_code():
    shares = rules.fixed([("RF4", 7), ("R1H", 0)])
    assert [(s.code, s.amount_pence) for s in shares] == [("R1H", 0), ("RF4", 7)]
    assert shares[1].rationale == "£0.07 as published"
    assert shares[1].details == {}
    assert message_of(RuleError, rules.fixed, [("R1H", -1)]) == "R1H has a negative amount"
    assert message_of(RuleError, rules.fixed, [("R1H", 1), ("R1H", 2)]) == "R1H is listed twice"


# --- comparing scenarios and group totals --------------------------------------------------


def test_scenario_changes_list_gains_first_and_losses_last_leaving_out_the_unchanged():
    def share(code, pence):
        return rules.Share(code, pence, None, "")

    current = [share("A", 100), share("B", 50), share("D", 20)]
    other = [share("A", 100), share("B", 80), share("C", 10)]
    changes = rules.scenario_changes(current, other)
    assert [(c.code, c.current_pence, c.other_pence) for c in changes] == [
        ("B", 50, 80),
        ("C", 0, 10),
        ("D", 20, 0),
    ]
    assert [c.difference_pence for c in changes] == [30, 10, -20]


def test_a_penny_paid_under_one_scenario_only_is_a_change_and_nothing_paid_is_not():
    def share(code, pence):
        return rules.Share(code, pence, None, "")

    changes = rules.scenario_changes([share("A", 1), share("Z", 0)], [share("B", 1), share("Y", 0)])
    assert [(c.code, c.current_pence, c.other_pence) for c in changes] == [
        ("B", 0, 1),
        ("A", 1, 0),
    ]


def test_a_group_member_the_model_pays_nothing_adds_nothing():
    [check] = rules.group_totals_check(
        {"A": 100}, [{"label": "L", "codes": ["A", "X"], "at_least": "1.00"}]
    )
    assert (check.modelled_pence, check.shortfall_pence) == (100, 0)


@pytest.mark.parametrize(("at_least", "shortfall"), [("2.00", 50), ("1.50", 0), ("1.00", 0)])
def test_a_group_total_is_met_when_the_model_gives_at_least_it(at_least, shortfall):
    [check] = rules.group_totals_check(
        {"A": 100, "B": 50, "C": 999}, [{"label": "L", "codes": ["A", "B"], "at_least": at_least}]
    )
    assert (check.label, check.modelled_pence, check.shortfall_pence) == ("L", 150, shortfall)


# --- parameters a fund admin types ---------------------------------------------------------

PER_CAPITA = {
    "rate": "1",
    "cap": "100",
    "eligible_kinds": ["ccg"],
    "population_basis": "registered",
    "population_date": "2015-10-01",
}
WINTER = {
    "n": 1,
    "total": "100",
    "share": "equal",
    "eligible_kinds": ["trust"],
    "window_from": "2013-01-01",
    "window_to": "2013-01-01",
    "department_types": ["1", "2", "other"],
}
TOP_SLICE = {"percent": "100", "eligible_kinds": ["pct"], "budget_year": "2010-11"}


def errors_of(kind, parameters, **options):
    with pytest.raises(ParameterError) as failure:
        rules.validate_parameters(kind, parameters, **options)
    return failure.value.errors


def test_a_total_and_a_cap_equal_to_the_funds_total_are_allowed():
    cleaned = rules.validate_parameters("per_capita", PER_CAPITA, fund_total_pence=10_000)
    assert cleaned == {**PER_CAPITA, "rate": "1.00", "cap": "100.00"}
    assert rules.validate_parameters("worst_n", WINTER, fund_total_pence=10_000)["total"] == (
        "100.00"
    )


def test_a_total_or_a_cap_a_penny_over_the_funds_total_is_refused():
    over = "exceeds the fund's total of £100.00"
    assert errors_of("per_capita", {**PER_CAPITA, "cap": "100.01"}, fund_total_pence=10_000) == {
        "cap": over
    }
    assert errors_of("worst_n", {**WINTER, "total": "100.01"}, fund_total_pence=10_000) == {
        "total": over
    }


def test_a_window_of_one_day_is_allowed_and_one_that_ends_before_it_starts_is_not():
    cleaned = rules.validate_parameters("worst_n", WINTER)
    assert (cleaned["window_from"], cleaned["window_to"], cleaned["n"]) == (
        "2013-01-01",
        "2013-01-01",
        1,
    )
    assert errors_of("worst_n", {**WINTER, "window_from": "2013-01-02"}) == {
        "window_to": "must not be before window_from"
    }


def test_windows_run_from_2000_to_2099_inclusive():
    edges = {**WINTER, "window_from": "2000-01-01", "window_to": "2099-12-31"}
    assert rules.validate_parameters("worst_n", edges)["window_to"] == "2099-12-31"
    outside = "must be a date from 2000-01-01 to 2099-12-31"
    assert errors_of("worst_n", {**edges, "window_from": "1999-12-31"}) == {"window_from": outside}
    assert errors_of("worst_n", {**edges, "window_to": "2100-01-01"}) == {"window_to": outside}


def test_a_percentage_of_exactly_100_is_allowed_and_more_is_not():
    assert rules.validate_parameters("top_slice", TOP_SLICE) == TOP_SLICE
    assert rules.validate_parameters("top_slice", {**TOP_SLICE, "percent": "0.01"})["percent"] == (
        "0.01"
    )
    for percent in ("100.01", "0", "-1"):
        assert errors_of("top_slice", {**TOP_SLICE, "percent": percent}) == {
            "percent": "must be more than 0 and at most 100"
        }
    assert errors_of("top_slice", {**TOP_SLICE, "percent": "lots"}) == {
        "percent": "must be a number"
    }


def test_a_penny_is_an_amount_and_nothing_is_not():
    assert rules.validate_parameters("worst_n", {**WINTER, "total": "0.01"})["total"] == "0.01"
    assert errors_of("worst_n", {**WINTER, "total": "0"}) == {"total": "must be more than £0"}


@pytest.mark.parametrize(
    ("field", "value", "cleaned"),
    [("n", "3", 3), ("n", 1, 1), ("near_miss", 0, 0), ("near_miss", "20", 20)],
)
def test_whole_numbers_are_read_from_numbers_or_text(field, value, cleaned):
    assert rules.validate_parameters("worst_n", {**WINTER, field: value})[field] == cleaned


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("n", 0, "must be at least 1"),
        ("n", True, "must be a whole number"),
        ("n", 2.5, "must be a whole number"),
        ("n", "two", "must be a whole number"),
        ("near_miss", -1, "must be at least 0"),
        ("share", "votes", "must be one of equal, attendances, breaches"),
        ("department_types", [], "must be a non-empty list of names"),
        ("department_types", [1], "must be a non-empty list of names"),
        ("department_types", ["1", "3"], "3 not among 1, 2, other"),
        ("window_from", "31/01/2013", "must be a date written YYYY-MM-DD"),
        ("named", "RA1", "must be a non-empty list of names"),
        ("quotas", {}, "must map groups (foundation_trust, nhs_trust) to how many each chooses"),
        ("quotas", {"ccg": 1}, "ccg not among foundation_trust, nhs_trust"),
        ("quotas", {"nhs_trust": -1}, "must be at least 0"),
        ("group_totals", [], "must be a list of {label, codes, at_least}"),
        ("group_totals", [{"label": "L"}], "each group needs exactly a label, codes and at_least"),
        ("colour", "red", "is not a parameter of a worst_n rule"),
    ],
)
def test_each_worst_n_parameter_is_checked(field, value, message):
    assert errors_of("worst_n", {**WINTER, field: value}) == {field: message}


def test_quotas_and_group_totals_are_cleaned():
    cleaned = rules.validate_parameters(
        "worst_n",
        {
            **WINTER,
            "n": 2,
            "named": ["RA1"],
            "quotas": {"foundation_trust": 0, "nhs_trust": "2"},
            "group_totals": [{"label": 7, "codes": ["RA1"], "at_least": "5"}],
        },
    )
    assert cleaned["quotas"] == {"foundation_trust": 0, "nhs_trust": 2}
    assert cleaned["group_totals"] == [{"label": "7", "codes": ["RA1"], "at_least": "5.00"}]


@pytest.mark.parametrize(
    ("kind", "parameters", "field", "message"),
    [
        ("per_capita", {**PER_CAPITA, "rate": "0"}, "rate", "must be more than £0"),
        ("per_capita", {**PER_CAPITA, "cap": "1.001"}, "cap", "'1.001' has a fraction of a penny"),
        (
            "per_capita",
            {**PER_CAPITA, "eligible_kinds": []},
            "eligible_kinds",
            "must be a non-empty list of names",
        ),
        (
            "per_capita",
            {**PER_CAPITA, "population_basis": "guess"},
            "population_basis",
            "must be one of registered, resident",
        ),
        (
            "per_capita",
            {**PER_CAPITA, "population_date": "2015-13-01"},
            "population_date",
            "must be a date written YYYY-MM-DD",
        ),
        (
            "top_slice",
            {**TOP_SLICE, "budget_year": "2010-12"},
            "budget_year",
            "must be a financial year such as 2015-16",
        ),
        (
            "top_slice",
            {**TOP_SLICE, "budget_year": "10-11"},
            "budget_year",
            "must be a financial year such as 2015-16",
        ),
        (
            "top_slice",
            {**TOP_SLICE, "eligible_kinds": "pct"},
            "eligible_kinds",
            "must be a non-empty list of names",
        ),
        (
            "pro_rata",
            {"total": "1", "metric": "votes", "eligible_kinds": ["ccg"]},
            "metric",
            "must be one of population, budget_pence, attendances, over_4h, metric",
        ),
        (
            "complement",
            {"total": "1", "share": "votes", "eligible_kinds": ["ccg"], "excluded_funds": ["a"]},
            "share",
            "must be one of equal, population, attendances",
        ),
        (
            "complement",
            {"total": "1", "share": "equal", "eligible_kinds": ["ccg"], "excluded_funds": []},
            "excluded_funds",
            "must be a non-empty list of names",
        ),
        ("fixed", {"total": "1"}, "total", "is not a parameter of a fixed rule"),
    ],
)
def test_each_kinds_parameters_are_checked(kind, parameters, field, message):
    assert errors_of(kind, parameters) == {field: message}


def test_a_financial_year_may_end_in_the_next_century():
    cleaned = rules.validate_parameters("top_slice", {**TOP_SLICE, "budget_year": "2099-00"})
    assert cleaned["budget_year"] == "2099-00"


@pytest.mark.parametrize(
    ("kind", "parameters", "required"),
    [
        ("fixed", {}, set()),
        ("per_capita", {}, {"rate", "eligible_kinds", "population_basis", "population_date"}),
        (
            "worst_n",
            {},
            {
                "n",
                "total",
                "share",
                "eligible_kinds",
                "window_from",
                "window_to",
                "department_types",
            },
        ),
        ("complement", {}, {"total", "share", "eligible_kinds", "excluded_funds"}),
        (
            "complement",
            {"share": "attendances"},
            {
                "total",
                "eligible_kinds",
                "excluded_funds",
                "window_from",
                "window_to",
                "department_types",
            },
        ),
        (
            "complement",
            {"share": "population"},
            {"total", "eligible_kinds", "excluded_funds", "population_basis", "population_date"},
        ),
        ("top_slice", {}, {"percent", "eligible_kinds", "budget_year"}),
        ("pro_rata", {}, {"total", "metric", "eligible_kinds"}),
        ("pro_rata", {"metric": "attendances"}, {"total", "eligible_kinds"}),
        (
            "pro_rata",
            {"metric": "population"},
            {"total", "eligible_kinds", "population_basis", "population_date"},
        ),
    ],
)
def test_each_kind_requires_exactly_what_it_reads(kind, parameters, required):
    if not required:
        assert rules.validate_parameters(kind, parameters) == {}
        return
    assert errors_of(kind, parameters) == dict.fromkeys(required, "is required")


def test_eligible_kinds_must_be_kinds_of_recipient():
    assert errors_of(
        "top_slice", {**TOP_SLICE, "eligible_kinds": ["pct", "trust"]}, recipient_kinds=["pct"]
    ) == {"eligible_kinds": "trust not among pct"}
    cleaned = rules.validate_parameters("top_slice", TOP_SLICE, recipient_kinds=["ccg", "pct"])
    assert cleaned["eligible_kinds"] == ["pct"]


def test_an_unknown_kind_or_a_list_of_parameters_is_refused_in_one_sentence():
    assert errors_of("bonus", {}) == {
        "kind": "'bonus' is not one of fixed, per_capita, worst_n, complement, top_slice, pro_rata"
    }
    assert errors_of("fixed", ["n"]) == {"parameters": "must be a JSON object"}


def test_every_fault_is_in_the_message():
    with pytest.raises(ParameterError) as failure:
        rules.validate_parameters("top_slice", {"percent": "0", "eligible_kinds": ["ccg"]})
    assert str(failure.value) == (
        "budget_year: is required; percent: must be more than 0 and at most 100"
    )


# --- the rule in plain words ---------------------------------------------------------------

WINDOW = {"window_from": "2013-01-01", "window_to": "2013-03-31", "department_types": ["1"]}


@pytest.mark.parametrize(
    ("kind", "parameters", "words"),
    [
        ("fixed", {}, "The published list of recipients and amounts."),
        (
            "per_capita",
            {
                **PER_CAPITA,
                "rate": "2",
                "population_basis": "resident",
                "cap": None,
                "eligible_kinds": ["ccg", "local_authority"],
            },
            None,
        ),
        (
            "worst_n",
            {
                "n": 53,
                "total": "221000000.00",
                "share": "attendances",
                "eligible_kinds": ["trust"],
                **WINDOW,
            },
            "£221,000,000.00 to the 53 trusts with the lowest four-hour performance over "
            "2013-01-01 to 2013-03-31 (A&E type 1), pro rata to attendances.",
        ),
        (
            "worst_n",
            {
                "n": 5,
                "total": "10",
                "share": "breaches",
                "eligible_kinds": ["trust"],
                "named": ["RA1", "RB2"],
                "quotas": {"foundation_trust": 1, "nhs_trust": 2},
                **WINDOW,
                "department_types": ["1", "2"],
            },
            "£10.00 to 5 trusts: the 2 recipients named by sources (RA1, RB2) and the 3 others "
            "with the lowest four-hour performance over 2013-01-01 to 2013-03-31 (A&E type 1, 2) "
            "ranked within groups: 1 foundation trust and 2 NHS trusts, pro rata to four-hour "
            "breaches.",
        ),
        (
            "pro_rata",
            {
                "total": "3",
                "metric": "attendances",
                "eligible_kinds": ["trust", "other_provider", "hwb"],
            },
            "£3.00 shared among trusts or other A&E providers or health and wellbeing boards "
            "pro rata to attendances.",
        ),
        (
            "pro_rata",
            {"total": "1", "metric": "population", "eligible_kinds": []},
            "£1.00 shared among organisations pro rata to population.",
        ),
        # A kind the words do not know is named as stored, not a broken page.
        (
            "pro_rata",
            {"total": "1", "metric": "population", "eligible_kinds": ["ambulance_trust"]},
            "£1.00 shared among ambulance_trust pro rata to population.",
        ),
        (
            "complement",
            {
                "total": "15000000",
                "share": "population",
                "eligible_kinds": ["ccg"],
                "excluded_funds": ["winter-2013", "second-wave"],
            },
            "£15,000,000.00 to every eligible CCG not funded by winter-2013, second-wave, "
            "pro rata to population.",
        ),
        (
            "complement",
            {
                "total": "1",
                "share": "equal",
                "eligible_kinds": [],
                "excluded_funds": ["a"],
                **WINDOW,
            },
            "£1.00 to every eligible organisation not funded by a, in equal shares over "
            "2013-01-01 to 2013-03-31 (A&E type 1).",
        ),
        ("top_slice", TOP_SLICE, "100% of each PCT's 2010-11 baseline budget."),
        (
            "pro_rata",
            {"total": "100", "metric": "population", "eligible_kinds": ["ccg"]},
            "£100.00 shared among CCGs pro rata to population.",
        ),
    ],
)
def test_it_describes_each_kind_in_plain_words(kind, parameters, words):
    if words is None:  # per capita without a cap: the optional part is left out
        parameters = {key: value for key, value in parameters.items() if key != "cap"}
        words = (
            "£2.00 per head of resident population on 2015-10-01 for each eligible CCG or "
            "local authority."
        )
    assert rules.describe(kind, parameters) == words


def test_it_will_not_describe_a_kind_it_does_not_know():
    assert message_of(RuleError, rules.describe, "bonus", {}) == "'bonus' is not a rule kind"


def test_n_may_equal_the_named_recipients_but_not_fall_short_of_them():
    assert rules.validate_parameters("worst_n", {**WINTER, "named": ["RA1"]})["n"] == 1
    assert errors_of("worst_n", {**WINTER, "named": ["RA1", "RB2", "RA1"]}) == {
        "n": "is fewer than the 2 recipients named"
    }


@pytest.mark.parametrize(
    ("rank", "words"),
    [
        (1, "the worst"),
        (2, "the 2nd worst"),
        (3, "the 3rd worst"),
        (11, "the 11th worst"),
        (12, "the 12th worst"),
        (21, "the 21st worst"),
        (22, "the 22nd worst"),
        (113, "the 113th worst"),
    ],
)
def test_a_rank_within_a_group_is_written_as_an_ordinal(rank, words):
    assert rules.worst_in_words(rank) == words
