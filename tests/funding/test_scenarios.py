"""Named scenarios for funds whose rule or recipients were never published."""

from unittest import TestCase

import pytest
from django.utils.html import escape

from funding import rules
from funding.models import Allocation, Fund, Scenario
from funding.money import pounds_to_pence
from funding.services import scenario_runs


class ScenarioChangesTests(TestCase):
    def test_gains_come_first_losses_last_and_equal_amounts_are_left_out(self):
        current = [rules.Share("A", 500, None, ""), rules.Share("B", 300, None, "")]
        other = [rules.Share("A", 500, None, ""), rules.Share("C", 700, None, "")]
        changes = rules.scenario_changes(current, other)
        self.assertEqual([(c.code, c.difference_pence) for c in changes], [("C", 700), ("B", -300)])


WINTER_2014_15 = "ae-winter-2014-15"
SECOND_WAVE = "ae-winter-second-wave-2013-14"


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_data")
class TestScenarioRuns:
    def test_the_2014_15_fund_has_its_three_scenarios_one_current(self):
        fund = Fund.objects.get(slug=WINTER_2014_15)
        names = list(fund.scenarios.values_list("name", flat=True))
        assert names == [
            "All CCGs by registered population",
            "The same 53 trusts as 2013-14",
            "Worst 50 on 2013-14 performance",
        ]
        [current] = fund.scenarios.filter(is_current=True)
        assert current.reason and current.kind == fund.rule.kind
        assert current.parameters == fund.rule.parameters

    def test_the_second_wave_keeps_its_seed_description_beside_the_157_ccgs(self):
        fund = Fund.objects.get(slug=SECOND_WAVE)
        [current] = fund.scenarios.filter(is_current=True)
        assert "left out of the first wave" in current.name
        assert fund.scenarios.filter(name__startswith="157 CCGs by population").exists()

    @pytest.mark.parametrize("slug", [WINTER_2014_15, SECOND_WAVE])
    def test_every_scenario_is_penny_exact_to_its_total(self, slug):
        for run in scenario_runs(fund=Fund.objects.get(slug=slug)):
            assert not run.error, run.error
            assert run.total_pence == pounds_to_pence(run.scenario.parameters["total"])
            assert all(share.amount_pence >= 0 for share in run.shares)

    @pytest.mark.parametrize("slug", [WINTER_2014_15, SECOND_WAVE])
    def test_a_scenario_run_is_reproducible(self, slug):
        fund = Fund.objects.get(slug=slug)
        first = [(r.scenario.name, r.shares) for r in scenario_runs(fund=fund)]
        again = [(r.scenario.name, r.shares) for r in scenario_runs(fund=fund)]
        assert first == again

    def test_the_same_53_are_the_2013_14_modelled_53(self):
        fund = Fund.objects.get(slug=WINTER_2014_15)
        [same] = [r for r in scenario_runs(fund=fund) if r.scenario.name.startswith("The same")]
        modelled_2013_14 = set(
            Allocation.objects.filter(
                fund__slug="ae-winter-2013-14", run__is_current=True, basis="modelled"
            ).values_list("recipient__ods_code", flat=True)
        )
        assert {s.code for s in same.shares} == modelled_2013_14
        assert len(same.shares) == 53

    def test_the_current_scenario_is_the_funds_current_run(self):
        fund = Fund.objects.get(slug=WINTER_2014_15)
        [current] = [r for r in scenario_runs(fund=fund) if r.scenario.is_current]
        stored = dict(
            Allocation.objects.filter(fund=fund, run__is_current=True).values_list(
                "recipient__ods_code", "amount_pence"
            )
        )
        assert stored == {s.code: s.amount_pence for s in current.shares}

    def test_the_fund_page_compares_the_scenarios(self, client):
        page = client.get(f"/funds/{WINTER_2014_15}/").content.decode()
        for scenario in Scenario.objects.filter(fund__slug=WINTER_2014_15):
            assert escape(scenario.name) in page
        assert "Current model" in page
        assert " gain and " in page and " lose; " in page

    def test_the_register_the_api_and_360giving_name_the_current_scenario(self, client):
        current = Scenario.objects.get(fund__slug=WINTER_2014_15, is_current=True).name
        assert escape(current) in client.get("/").content.decode()
        listed = client.get("/api/v1/funds/", {"page_size": 100}).json()["results"]
        [fund] = [f for f in listed if f["slug"] == WINTER_2014_15]
        assert fund["current_scenario"] == current
        detail = client.get(f"/api/v1/funds/{WINTER_2014_15}/").json()
        assert [s["name"] for s in detail["scenarios"] if s["current"]] == [current]
        grants = client.get(
            "/api/v1/export/360giving/", {"fund": WINTER_2014_15, "basis": "all"}
        ).json()["grants"]
        assert grants and all("(modelled)" in g["title"] for g in grants)
        assert all(f"current scenario: {current}" in g["description"] for g in grants)
