"""A fund withdrawn on its own admin page, by choosing the status, is withdrawn as the list's
action withdraws it: its money leaves every current view. It used to keep its current run,
so the fund left the lists of funds while its allocations stayed on organisation pages, in
the allocations API and on the league."""

import pytest
from django.urls import reverse
from django.utils import timezone

from funding.models import Fund
from tests import factories
from tests.admin_forms import admin_page_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_fund():
    trust = factories.trust("ZW9")
    fund = factories.fixed_fund({trust: 500_000_00}, slug="withdraw-me", name="Withdraw me fund")
    factories.run(fund)
    return fund


def status_post(client, fund, changes):
    url = reverse("admin:funding_fund_change", args=[fund.pk])
    return admin_page_post(client, url, "fund_form", changes)


def test_choosing_withdrawn_on_the_funds_page_takes_its_money_out_of_current_views(
    client, fund_admin, paid_fund
):
    assert "Withdraw me fund" in client.get("/trusts/ZW9/").content.decode()
    assert 'value="withdraw-me"' in client.get("/performance/").content.decode()
    client.force_login(fund_admin)

    response = status_post(client, paid_fund, {"status": Fund.Status.WITHDRAWN, "status_on": ""})

    assert response.status_code == 302, response.context and response.context.get("errors")
    assert not paid_fund.runs.filter(is_current=True).exists()
    # Withdrawn today, not on the day the fund was announced.
    assert paid_fund.status_changes.get(status=Fund.Status.WITHDRAWN).on == timezone.localdate()
    client.logout()
    assert "Withdraw me fund" not in client.get("/trusts/ZW9/").content.decode()
    # Nor offered in the performance page's menu or marked on the overview's chart.
    assert 'value="withdraw-me"' not in client.get("/performance/").content.decode()
    assert "Withdraw me fund" not in client.get("/").content.decode()
    listed = client.get("/api/v1/allocations/?recipient=ZW9").json()
    assert listed["count"] == 0


def test_a_dated_withdrawal_keeps_its_date(client, fund_admin, paid_fund):
    client.force_login(fund_admin)
    response = status_post(
        client, paid_fund, {"status": Fund.Status.WITHDRAWN, "status_on": "2014-02-03"}
    )
    assert response.status_code == 302
    assert str(paid_fund.status_changes.get(status=Fund.Status.WITHDRAWN).on) == "2014-02-03"
