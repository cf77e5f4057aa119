"""Funds that name other funds: a complement rule names the funds it leaves out by slug, and a
wave names its parent. An edit of the named fund through the admin keeps those links true."""

import datetime as dt

import pytest
from django.urls import reverse

from funding import services
from funding.models import AllocationRun, Fund
from tests import factories
from tests.admin_forms import fund_page_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_and_rest():
    """A fund paying one of three trusts, and a complement paying the other two."""
    trusts = [factories.trust(code) for code in ("ZL1", "ZL2", "ZL3")]
    factories.ae_months({(trust, dt.date(2013, 1, 1)): (1_000, 100) for trust in trusts})
    paid = trusts[0]
    first = factories.fixed_fund({paid: 300_00}, slug="first-wave", name="First wave")
    factories.run(first)
    rest = factories.fund("second-wave", total_pence=600_00, name="Second wave")
    factories.rule(
        rest,
        "complement",
        total="600.00",
        share="equal",
        eligible_kinds=["trust"],
        excluded_funds=["first-wave"],
        window_from="2013-01-01",
        window_to="2013-01-31",
        department_types=["1"],
    )
    assert factories.run(rest).status == "succeeded", rest.runs.last().error
    return first, rest


def recipients(fund) -> list[str]:
    """This test's trusts among the fund's current recipients (the test database may hold the
    national data set's too)."""
    run = fund.runs.get(is_current=True)
    codes = run.allocations.values_list("recipient__ods_code", flat=True)
    return sorted(code for code in codes if code.startswith("ZL"))


def test_withdrawing_a_fund_recomputes_the_funds_that_leave_its_trusts_out(
    client, fund_admin, first_and_rest
):
    first, rest = first_and_rest
    assert recipients(rest) == ["ZL2", "ZL3"]
    client.force_login(fund_admin)

    response = fund_page_post(client, first, {"status": Fund.Status.WITHDRAWN, "status_on": ""})

    assert response.status_code == 302
    pending = AllocationRun.objects.get(fund=rest, status="pending")
    assert services.allocation_run_start(run=pending).status == "succeeded"
    # A withdrawn fund pays nobody, so nobody is left out for it.
    assert recipients(rest) == ["ZL1", "ZL2", "ZL3"]


def test_a_slug_other_funds_rules_name_cannot_change(client, fund_admin, first_and_rest):
    first, _ = first_and_rest
    client.force_login(fund_admin)

    response = fund_page_post(client, first, {"slug": "first-wave-renamed"})

    assert response.status_code == 200
    assert (
        "The rule of Second wave (second-wave) names this fund by its slug, first-wave: "
        in response.content.decode()
    )
    first.refresh_from_db()
    assert first.slug == "first-wave"


def test_a_wave_cannot_have_waves(client, fund_admin):
    parent = factories.fund("parent-fund", name="Parent fund")
    wave = factories.fund("wave-fund", name="Wave fund", parent=parent)
    other = factories.fund("other-fund", name="Other fund")
    client.force_login(fund_admin)

    under_a_wave = fund_page_post(client, other, {"parent": str(wave.pk)})
    parent_as_wave = fund_page_post(client, parent, {"parent": str(other.pk)})

    assert "Wave fund is itself a wave of Parent fund" in under_a_wave.content.decode()
    assert "Parent fund has waves of its own (Wave fund)" in parent_as_wave.content.decode()
    other.refresh_from_db(), parent.refresh_from_db()
    assert other.parent is None and parent.parent is None


def test_recomputing_a_withdrawn_fund_says_it_is_withdrawn(client, fund_admin, first_and_rest):
    first, _ = first_and_rest
    services.fund_withdraw(fund=first, on=dt.date(2014, 1, 1), note="a test")
    client.force_login(fund_admin)

    listed = client.post(
        reverse("admin:funding_fund_changelist"),
        {"action": "recompute", "_selected_action": [first.pk]},
        follow=True,
    ).content.decode()
    button = client.post(
        reverse("admin:funding_fund_recompute", args=[first.pk]), follow=True
    ).content.decode()

    assert "Recompute requested" not in listed
    assert "First wave: This fund is withdrawn" in listed
    assert "This fund is withdrawn" in button and "no rule" not in button


def test_a_reinstated_fund_is_dated_as_it_stands_and_left_out_again(
    client, fund_admin, first_and_rest
):
    """Its history still ended 'Withdrawn' while its status said Announced."""
    first, rest = first_and_rest
    services.fund_withdraw(fund=first, on=dt.date(2014, 1, 1), note="a test")
    runs_of_rest = rest.runs.count()
    client.force_login(fund_admin)

    response = fund_page_post(client, first, {"status": Fund.Status.ANNOUNCED, "status_on": ""})

    assert response.status_code == 302
    steps = list(first.status_changes.values_list("status", flat=True))
    assert steps[-1] == Fund.Status.ANNOUNCED and Fund.Status.WITHDRAWN not in steps
    history = client.get(f"/api/v1/funds/{first.slug}/").json()["status_history"]
    assert history[-1]["status"] == "announced"
    # The complement is recomputed to leave the reinstated fund's trust out again.
    assert rest.runs.count() == runs_of_rest + 1


def test_a_parent_fund_cannot_be_deleted_while_it_has_waves_and_says_so(client, fund_admin):
    parent = factories.fund("parent-to-delete", name="Parent to delete")
    factories.fund("its-wave", name="Its wave", parent=parent)
    client.force_login(fund_admin)

    response = client.post(reverse("admin:funding_fund_delete", args=[parent.pk]), {"post": "yes"})

    assert Fund.objects.filter(pk=parent.pk).exists()
    page = response.content.decode()
    assert "Parent to delete cannot be deleted: Its wave is a wave of it" in page
    assert "permission" not in page


def test_a_slug_cannot_change_once_the_funds_allocations_are_out(client, fund_admin):
    """Renamed, its rows kept their changed_at, so a syncing client held them under a slug
    no fund had, and the funds feed listed the fund again as a new one."""
    fund = factories.fixed_fund({factories.trust("ZL4"): 100_00}, slug="zl-published")
    factories.run(fund)
    client.force_login(fund_admin)

    response = fund_page_post(client, fund, {"slug": "zl-renamed"})

    assert response.status_code == 200
    assert "Its allocations are published under the slug zl-published" in (
        response.content.decode()
    )
    fund.refresh_from_db()
    assert fund.slug == "zl-published"
