"""The run lifecycle on the real data: compute, skip unchanged inputs, fail safely, lock."""

import datetime as dt

import pytest
from django.db.models import Sum

from datacache.versions import PendingBump
from funding import selectors, services
from funding.models import Allocation, AllocationRun, Fund, Tranche
from funding.seed import demo_funds_seed, millions
from trusts.models import AEActivity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]


@pytest.fixture
def funds(seed_funds):
    return {fund.slug: fund for fund in Fund.objects.all()}


def run_now(fund: Fund, **kwargs) -> AllocationRun:
    return services.allocation_run_start(
        run=AllocationRun.objects.create(fund=fund, triggered_by="test"), **kwargs
    )


def test_the_seed_funds_carry_their_stated_totals(funds):
    assert funds["ae-winter-pressures-2013-15"].total_pence == millions(500)
    winter = funds["ae-winter-2013-14"]
    # The written statement: £15m for NHS 111 + £221m for 53 systems + £14m contingency.
    assert winter.tranches.aggregate(t=Sum("amount_pence"))["t"] == millions(15 + 221 + 14)
    bcf = funds["better-care-fund-2015-16"]
    linked = bcf.tranches.filter(performance_linked=True)
    assert [t.amount_pence for t in linked] == [millions(500), millions(500)]
    assert {t.missed_condition_policy for t in linked} == {
        Tranche.MissedConditionPolicy.PAY_AND_SUPPORT
    }
    assert funds["emerging-ccgs-winter-2011-12"].total_is_cap


def test_each_step_of_a_seed_fund_is_dated_from_its_sources(funds):
    steps = funds["ae-winter-2013-14"].status_changes.all()
    assert [(s.status, s.on.isoformat()) for s in steps] == [
        ("announced", "2013-09-10"),
        ("allocated", "2013-09-10"),
    ]
    assert "provisional £221m" in steps[1].note


def test_seeding_twice_changes_nothing(funds):
    before = {f.slug: f.updated_at for f in Fund.objects.all()}
    demo_funds_seed()
    assert {f.slug: f.updated_at for f in Fund.objects.all()} == before


def test_the_winter_fund_pays_exactly_221m_to_the_53_worst_type_1_performers(funds):
    run = run_now(funds["ae-winter-2013-14"])
    assert run.status == AllocationRun.Status.SUCCEEDED, run.error
    modelled = run.allocations.filter(basis=Allocation.Basis.MODELLED)
    assert modelled.count() == 53
    assert modelled.aggregate(t=Sum("amount_pence"))["t"] == millions(221)
    worst = modelled.get(rank=1)
    assert worst.recipient.ods_code == "RV8"  # worst in the 2012-13 Q4 league table
    assert "Ranked 1 of 145" in worst.rationale


def test_published_shares_are_kept_beside_the_modelled_ones(funds):
    run = run_now(funds["ae-winter-2013-14"])
    barts = run.allocations.filter(recipient__ods_code="R1H")
    published = barts.get(basis=Allocation.Basis.PUBLISHED)
    assert published.amount_pence == millions("12.8")


def test_emerging_ccgs_get_2_pounds_a_head_capped_at_100m(funds):
    run = run_now(funds["emerging-ccgs-winter-2011-12"])
    assert run.status == AllocationRun.Status.SUCCEEDED, run.error
    # 57,330,205 registered patients × £2 = £114.66m is asked for: the £100m cap binds.
    assert run.total_pence == millions(100)
    assert run.recipient_count == 209
    stockport = run.allocations.get(recipient__ods_code="01W")
    assert stockport.intermediary.ods_code == "5F7"  # Stockport PCT
    assert "scaled to the £100,000,000.00 cap" in stockport.rationale


def test_the_second_wave_funds_every_reporting_trust_left_out_of_the_first(funds):
    first = run_now(funds["ae-winter-2013-14"])
    second = run_now(funds["ae-winter-second-wave-2013-14"])
    assert second.status == AllocationRun.Status.SUCCEEDED, second.error
    first_codes = set(first.allocations.values_list("recipient__ods_code", flat=True))
    second_codes = set(second.allocations.values_list("recipient__ods_code", flat=True))
    assert not first_codes & second_codes
    # Of the 145 trusts reporting type 1 figures in 2012-13 Q4, the rest after the first
    # wave's recipients (two of its published recipients may not have reported).
    reporting = set(
        AEActivity.objects.filter(
            organisation__kind="trust",
            department_type="1",
            period_end__range=(dt.date(2013, 1, 1), dt.date(2013, 3, 31)),
        ).values_list("organisation__ods_code", flat=True)
    )
    assert len(reporting) == 145
    assert second_codes == reporting - first_codes
    assert second.total_pence == millions(150)


def test_the_bcf_top_slices_3_5_percent_of_2015_16_ccg_budgets(funds):
    run = run_now(funds["better-care-fund-2015-16"])
    # 211 CCGs' budgets, set in 2013; by April 2015 Gateshead (00F) and Newcastle North and
    # East (00G) and West (00H) were Newcastle Gateshead CCG (13T), which held the money.
    assert run.recipient_count == 209
    assert run.allocations.get(recipient__ods_code="13T").amount_pence > 0
    from trusts.models import BaselineBudget

    budgets = BaselineBudget.objects.filter(financial_year="2015-16").aggregate(
        t=Sum("amount_pence")
    )
    exact = budgets["t"] * 35 / 1000
    assert abs(run.total_pence - exact) <= 0.5


def test_unchanged_inputs_are_not_run_twice(funds):
    first = run_now(funds["ae-winter-2013-14"])
    second = run_now(funds["ae-winter-2013-14"])
    assert second.status == AllocationRun.Status.SKIPPED
    assert first.inputs_fingerprint == selectors.inputs_fingerprint(fund=funds["ae-winter-2013-14"])
    first.refresh_from_db()
    assert first.is_current and not second.allocations.exists()


def test_a_failed_run_leaves_the_previous_allocations_current(funds):
    fund = funds["emerging-ccgs-winter-2011-12"]
    good = run_now(fund)
    services.rule_save(
        fund=fund,
        kind="per_capita",
        parameters={**fund.rule.parameters, "population_date": "2014-10-01"},
        reason="test: a date with no population figures",
    )
    fund.refresh_from_db()
    bad = run_now(fund)
    assert bad.status == AllocationRun.Status.FAILED
    # No registered count is dated 1 October 2014: the error says which dates there are.
    assert bad.error == (
        "No registered population is dated 2014-10-01; the dates stored are 2015-10-01"
    )
    good.refresh_from_db()
    assert good.is_current
    assert not bad.allocations.exists()
    assert selectors.current_allocations(fund=fund).count() == 209


def test_a_second_run_of_a_busy_fund_is_refused(funds):
    fund = funds["ae-winter-2013-14"]
    AllocationRun.objects.create(fund=fund, triggered_by="other worker", status="running")
    with pytest.raises(services.FundBusy):
        run_now(fund)


def test_a_redelivered_message_takes_back_its_own_run(funds):
    fund = funds["ae-winter-2013-14"]
    run = AllocationRun.objects.create(
        fund=fund, triggered_by="test", status="running", task_id="task-1"
    )
    finished = services.allocation_run_start(run=run, task_id="task-1")
    assert finished.status == AllocationRun.Status.SUCCEEDED


def test_a_finished_run_delivered_again_does_nothing(funds):
    run = run_now(funds["ae-winter-2013-14"])
    again = services.allocation_run_start(run=run, task_id="another")
    assert again.status == AllocationRun.Status.SUCCEEDED
    assert AllocationRun.objects.filter(fund=run.fund, status="succeeded").count() == 1


def test_recomputing_a_fund_requests_its_dependants(funds, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        run_now(funds["ae-winter-2013-14"])
    pending = AllocationRun.objects.filter(
        fund__slug="ae-winter-second-wave-2013-14", status="pending"
    )
    assert pending.count() == 1
    # The dependant's send; the data version's bumps (datacache) also wait for the commit.
    assert len([c for c in callbacks if not isinstance(c, PendingBump)]) == 1
