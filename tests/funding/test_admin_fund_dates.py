"""A fund's dates entered in the admin: a step cannot come before the announcement (as a seed
file's cannot), and moving the announcement moves the step that was dated by it."""

import datetime as dt

import pytest

from funding.models import Fund
from tests import factories
from tests.admin_forms import fund_page_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund():
    made = factories.fund("dated", announced_on=dt.date(2013, 9, 10))
    made.status_changes.create(status=Fund.Status.ANNOUNCED, on=dt.date(2013, 9, 10))
    return made


def test_a_step_dated_before_the_announcement_is_refused(client, fund_admin, fund):
    client.force_login(fund_admin)

    response = fund_page_post(client, fund, {"status": Fund.Status.PAID, "status_on": "2013-01-01"})

    assert response.status_code == 200
    assert "1 Jan 2013 is before the announcement (10 Sep 2013)" in response.content.decode()
    assert not fund.status_changes.filter(status=Fund.Status.PAID).exists()


def test_moving_the_announcement_moves_its_step(client, fund_admin, fund):
    """The step stayed on the old date, so the history had the fund announced twice."""
    client.force_login(fund_admin)

    response = fund_page_post(client, fund, {"announced_on": "2013-09-12"})

    assert response.status_code == 302
    steps = list(fund.status_changes.values_list("status", "on"))
    assert steps == [(Fund.Status.ANNOUNCED, dt.date(2013, 9, 12))]


@pytest.mark.parametrize("page", ["fund", "tranche"])
def test_a_tranche_due_before_the_announcement_is_refused(client, fund_admin, fund, page):
    from django.urls import reverse

    from tests.admin_forms import admin_page_post

    tranche = factories.tranche(fund, 100_00, name="Winter")
    client.force_login(fund_admin)
    if page == "fund":
        response = fund_page_post(client, fund, {"tranches-0-due_on": "2013-01-01"})
    else:
        url = reverse("admin:funding_tranche_change", args=[tranche.pk])
        response = admin_page_post(client, url, "tranche_form", {"due_on": "2013-01-01"})

    assert response.status_code == 200
    assert "1 Jan 2013 is before the announcement (10 Sep 2013)" in response.content.decode()
    tranche.refresh_from_db()
    assert tranche.due_on is None


@pytest.mark.parametrize(
    ("field", "day", "said"),
    [
        ("announced_on", "0001-01-01", "Enter a date from 1 January 2000."),
        ("announced_on", "9999-12-31", "Enter a date up to 31 December 2099."),
        ("status_on", "9999-12-31", "Enter a date up to 31 December 2099."),
        ("tranches-0-due_on", "0001-01-01", "Enter a date from 1 January 2000."),
    ],
)
def test_a_date_outside_any_the_product_can_place_is_refused_by_its_field(
    client, fund_admin, fund, field, day, said
):
    """Saved, 0001-01-01 or 9999-12-31 made the fund's page and its impact API server errors
    ("date value out of range")."""
    tranche = factories.tranche(fund, 100_00, name="Winter")
    client.force_login(fund_admin)

    response = fund_page_post(client, fund, {field: day})

    assert response.status_code == 200
    assert said in response.content.decode()
    fund.refresh_from_db()
    tranche.refresh_from_db()
    assert (fund.announced_on, tranche.due_on) == (dt.date(2013, 9, 10), None)


def test_a_status_moved_back_takes_the_later_steps_with_it(client, fund_admin, fund):
    """Moved from paid back to announced, the page and the API said "Announced" and "Paid on
    1 March 2014" together."""
    client.force_login(fund_admin)
    fund_page_post(client, fund, {"status": Fund.Status.PAID, "status_on": "2014-03-01"})

    fund_page_post(client, fund, {"status": Fund.Status.ANNOUNCED, "status_on": ""})

    history = client.get(f"/api/v1/funds/{fund.slug}/").json()["status_history"]
    assert [step["status"] for step in history] == ["announced"]
    assert "Paid on" not in client.get(f"/funds/{fund.slug}/").content.decode()
