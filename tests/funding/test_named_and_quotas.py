"""Named recipients first, quotas per group, published group totals (the 2013-14 fund)."""

import datetime as dt
from unittest import TestCase

import pytest
from django.utils.html import escape

from funding import rules
from funding.models import Allocation, Fund
from funding.services import scenario_runs
from trusts.models import FoundationTrustStatus


def _trust(code, over_4h, group=None):
    return rules.Candidate(code, attendances=1000, over_4h=over_4h, group=group)


# Worst first: D (40% breaching), C, B, A (10%).
CANDIDATES = [
    _trust("A", 100, "foundation_trust"),
    _trust("B", 200, "nhs_trust"),
    _trust("C", 300, "foundation_trust"),
    _trust("D", 400, "nhs_trust"),
]


class NamedAndQuotaTests(TestCase):
    def test_named_recipients_come_first_and_the_worst_fill_the_rest(self):
        shares = rules.worst_n(CANDIDATES, n=2, total_pence=1001, share="equal", named=["A"])
        self.assertEqual(sorted(s.code for s in shares), ["A", "D"])
        self.assertEqual(sum(s.amount_pence for s in shares), 1001)
        [a] = [s for s in shares if s.code == "A"]
        self.assertTrue(a.rationale.startswith("Named by a source"))

    def test_each_group_chooses_its_worst_up_to_its_quota(self):
        shares = rules.worst_n(
            CANDIDATES,
            n=2,
            total_pence=500,
            share="equal",
            quotas={"foundation_trust": 1, "nhs_trust": 1},
        )
        self.assertEqual(sorted(s.code for s in shares), ["C", "D"])

    def test_a_named_recipient_counts_towards_its_groups_quota(self):
        shares = rules.worst_n(
            CANDIDATES,
            n=2,
            total_pence=500,
            share="equal",
            named=["B"],
            quotas={"foundation_trust": 1, "nhs_trust": 1},
        )
        self.assertEqual(sorted(s.code for s in shares), ["B", "C"])

    def test_quotas_must_add_up_to_n(self):
        with self.assertRaisesRegex(rules.RuleError, "add up to 3, not 2"):
            rules.worst_n(
                CANDIDATES,
                n=2,
                total_pence=500,
                share="equal",
                quotas={"foundation_trust": 2, "nhs_trust": 1},
            )

    def test_a_named_recipient_without_figures_is_an_error_not_a_zero(self):
        with self.assertRaises(rules.MissingInputs):
            rules.worst_n(CANDIDATES, n=2, total_pence=500, share="equal", named=["Z"])

    def test_a_group_total_says_by_how_much_it_is_missed(self):
        group = {"label": "L", "codes": ["A", "B"], "at_least": "10.00"}
        [check] = rules.group_totals_check({"A": 300, "B": 200, "C": 900}, [group])
        self.assertEqual((check.modelled_pence, check.shortfall_pence), (500, 500))
        [met] = rules.group_totals_check({"A": 1000}, [group])
        self.assertEqual(met.shortfall_pence, 0)

    def test_the_parameters_are_checked(self):
        with self.assertRaises(rules.ParameterError) as caught:
            rules.validate_parameters(
                "worst_n",
                {
                    "n": 2,
                    "total": "5.00",
                    "share": "equal",
                    "eligible_kinds": ["trust"],
                    "window_from": "2013-01-01",
                    "window_to": "2013-03-31",
                    "quotas": {"monitor": 2},
                },
            )
        self.assertIn("quotas", caught.exception.errors)


WINTER_2013_14 = "ae-winter-2013-14"
# The Evening Standard's 10 London trusts (over £55m together), in its order: Barts Health,
# BHRUT, Barnet and Chase Farm, Croydon, Ealing, North Middlesex, the Whittington, West
# Middlesex, North West London Hospitals, South London Healthcare.
LONDON_TEN = ["R1H", "RF4", "RVL", "RJ6", "RC3", "RAP", "RKE", "RFW", "RV8", "RYQ"]
ANNOUNCED = dt.date(2013, 9, 10)


def _foundation_on_announcement() -> set[str]:
    return {
        s.organisation.ods_code
        for s in FoundationTrustStatus.objects.select_related("organisation")
        if s.covers(ANNOUNCED)
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_data")
class TestTheFirstWave:
    def _modelled(self) -> set[str]:
        return set(
            Allocation.objects.filter(
                fund__slug=WINTER_2013_14, run__is_current=True, basis="modelled"
            ).values_list("recipient__ods_code", flat=True)
        )

    def test_all_ten_london_trusts_are_recipients_of_the_current_model(self):
        assert set(LONDON_TEN) <= self._modelled()

    def test_the_current_model_reproduces_19_foundation_and_34_nhs_trusts(self):
        modelled = self._modelled()
        foundation = modelled & _foundation_on_announcement()
        assert (len(modelled), len(foundation)) == (53, 19)

    def test_one_national_ranking_gives_the_26_27_split_the_issue_reports(self):
        fund = Fund.objects.get(slug=WINTER_2013_14)
        [single] = [r for r in scenario_runs(fund=fund) if not r.scenario.is_current]
        codes = {s.code for s in single.shares}
        assert len(codes & _foundation_on_announcement()) == 26
        assert len(codes - _foundation_on_announcement()) == 27

    def test_the_fund_page_shows_the_split_and_the_london_total(self, client):
        page = client.get(f"/funds/{WINTER_2013_14}/").content.decode()
        assert "19 foundation trusts, 34 NHS trusts" in page
        assert "26 foundation trusts, 27 NHS trusts" in page
        assert (
            escape("The 10 London trusts (Evening Standard: over £55m): the current model") in page
        )
        assert "short by £" in page or ": met." in page


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_data")
def test_the_spending_page_shows_the_east_of_england_pcts_variation(client):
    page = client.get("/spending/").content.decode()
    for fact in (
        "nearly £1m, on 18-week referral-to-treatment performance",
        "Spent about a third of its top-slice on public health",
        "Spent none of its top-slice on public health",
    ):
        assert escape(fact) in page
    for pct in ("Norfolk", "Suffolk", "Cambridgeshire", "Luton", "South West Essex"):
        assert pct in page


class TestRankCutOffs:
    """Where rank decided, for the regression discontinuity: named recipients set no cut-off,
    and each quota group has its own."""

    @staticmethod
    def trust(code, over, group=None):
        return rules.Candidate(code, attendances=100, over_4h=over, group=group)

    def test_one_ranking_cuts_between_the_last_chosen_and_the_first_passed_over(self):
        trusts = [self.trust(f"T{i}", over) for i, over in enumerate((30, 20, 10, 5))]
        (cut,) = rules.rank_cut_offs(trusts, n=2)
        # 80% chosen, 90% passed over.
        assert (cut.group, cut.percent, cut.chosen, cut.passed_over) == (None, 85, 2, 2)

    def test_named_recipients_stand_outside_the_ranking(self):
        trusts = [self.trust(f"T{i}", over) for i, over in enumerate((30, 20, 10, 5))]
        (cut,) = rules.rank_cut_offs(trusts, n=2, named=["T3"])
        # T3 (95%) is named; one more by rank: T0 (70%), then T1 (80%) passed over.
        assert (cut.percent, cut.chosen, cut.passed_over) == (75, 1, 2)

    def test_each_quota_group_has_its_own_cut_off(self):
        trusts = [
            self.trust("F1", 40, "foundation_trust"),
            self.trust("F2", 30, "foundation_trust"),
            self.trust("F3", 2, "foundation_trust"),
            self.trust("N1", 20, "nhs_trust"),
            self.trust("N2", 10, "nhs_trust"),
            self.trust("N3", 8, "nhs_trust"),
        ]
        cuts = rules.rank_cut_offs(
            trusts, n=3, named=["N3"], quotas={"foundation_trust": 1, "nhs_trust": 2}
        )
        by_group = {c.group: (c.percent, c.chosen, c.passed_over) for c in cuts}
        # Foundation trusts: F1 (60%) chosen, F2 (70%) not. NHS trusts: N3 named fills one
        # place, N1 (80%) chosen by rank, N2 (90%) passed over.
        assert by_group == {"foundation_trust": (65, 1, 2), "nhs_trust": (85, 1, 1)}

    def test_a_ranking_that_chose_everyone_has_no_cut_off(self):
        trusts = [self.trust(f"T{i}", over) for i, over in enumerate((30, 20))]
        assert rules.rank_cut_offs(trusts, n=2) == []
