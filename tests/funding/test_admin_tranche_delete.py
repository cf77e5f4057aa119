"""A tranche that runs have allocated cannot be deleted: their rows are the record of what was
allocated, and a sync client would never be told the money went. The admin says so by name."""

import pytest
from django.urls import reverse

from funding.models import Allocation, AllocationRun
from tests import factories
from tests.admin_forms import admin_page_post

pytestmark = pytest.mark.django_db


def test_deleting_a_tranche_keeps_past_runs_rows_and_writes_removals(client, fund_admin):
    client.force_login(fund_admin)
    fund = factories.fund("tranche-deleted", total_pence=1_000_00, financial_years=["2013-14"])
    first = factories.tranche(fund, 600_00, name="Q1", financial_year="2013-14")
    second = factories.tranche(fund, 400_00, name="Q2", financial_year="2013-14")
    north, south = factories.trust("ZT1"), factories.trust("ZT2")
    factories.published(fund, {north: 600_00}, tranche=first)
    factories.published(fund, {south: 400_00}, tranche=second)
    factories.rule(fund, "fixed")
    before = factories.run(fund)
    assert before.status == "succeeded" and before.allocations.count() == 2
    url = reverse("admin:funding_fund_change", args=[fund.pk])
    deleted = next(
        i
        for i in range(2)
        if client.get(url).content.decode().count(f'name="tranches-{i}-id" value="{second.pk}"')
    )

    response = admin_page_post(client, url, "fund_form", {f"tranches-{deleted}-DELETE": "on"})

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Q2 cannot be deleted: run {before.pk} allocated money from it" in page
    assert fund.tranches.filter(pk=second.pk).exists()
    assert Allocation.objects.filter(run=before).count() == before.recipient_count == 2
    assert not AllocationRun.objects.filter(fund=fund, status="pending").exists()


def test_a_tranche_no_run_has_used_can_be_deleted(client, fund_admin):
    client.force_login(fund_admin)
    fund = factories.fund("tranche-unused", total_pence=1_000_00, financial_years=["2013-14"])
    tranche = factories.tranche(fund, 600_00, name="Q1", financial_year="2013-14")
    url = reverse("admin:funding_fund_change", args=[fund.pk])

    response = admin_page_post(client, url, "fund_form", {"tranches-0-DELETE": "on"})

    assert response.status_code == 302
    assert not fund.tranches.filter(pk=tranche.pk).exists()


def test_a_tranches_own_delete_page_says_which_runs_used_it(client, fund_admin):
    client.force_login(fund_admin)
    fund = factories.fund("tranche-own-page", total_pence=1_000_00, financial_years=["2013-14"])
    tranche = factories.tranche(fund, 1_000_00, name="Q1", financial_year="2013-14")
    factories.published(fund, {factories.trust("ZT3"): 1_000_00}, tranche=tranche)
    factories.rule(fund, "fixed")
    run = factories.run(fund)
    url = reverse("admin:funding_tranche_delete", args=[tranche.pk])

    response = client.post(url, {"post": "yes"})

    assert fund.tranches.filter(pk=tranche.pk).exists()
    assert f"run {run.pk} allocated money from it" in response.content.decode()
