"""Two fund admins editing one fund: whoever saves second is told that the fund changed after
they opened it, by whom and when, and nothing of theirs is saved (it would silently undo the
first change); with the page opened again, their save goes through. Through the admin's form,
as a browser posts it."""

import pytest
from django.test import Client
from django.urls import reverse

from funding import services
from tests import factories
from tests.admin_forms import admin_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(django_user_model):
    user = django_user_model.objects.create_user("alice", password="alice-pass", is_staff=True)
    services.fund_admin_group_ensure().user_set.add(user)
    return user


@pytest.fixture
def fund():
    return factories.fixed_fund({factories.trust(): 300_00}, notes="As announced.")


def change_page(fund) -> str:
    return reverse("admin:funding_fund_change", args=[fund.pk])


def opened(client, fund) -> dict:
    """The fund's page as its form stood when the admin opened it."""
    page = client.get(change_page(fund))
    assert page.status_code == 200
    return admin_form_data(page.content.decode(), "fund_form")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_save_over_a_change_made_since_the_page_was_opened_is_refused(fund_admin, alice, fund):
    bob, other = signed_in(fund_admin), signed_in(alice)
    bobs_page = opened(bob, fund)
    renamed = {**opened(other, fund), "name": "Renamed by Alice"}
    assert other.post(change_page(fund), renamed).status_code == 302

    response = bob.post(change_page(fund), {**bobs_page, "notes": "Bob's note"})

    assert response.status_code == 200
    text = response.content.decode()
    assert "alice changed this fund at" in text
    assert "Nothing of yours was saved" in text
    fund.refresh_from_db()
    assert (fund.name, fund.notes) == ("Renamed by Alice", "As announced.")

    response = bob.post(change_page(fund), {**opened(bob, fund), "notes": "Bob's note"})
    assert response.status_code == 302
    fund.refresh_from_db()
    assert (fund.name, fund.notes) == ("Renamed by Alice", "Bob's note")


def test_saving_twice_from_the_page_each_save_returns_is_no_conflict(fund_admin, fund):
    bob = signed_in(fund_admin)
    for note in ("First", "Second"):
        response = bob.post(
            change_page(fund), {**opened(bob, fund), "notes": note, "_continue": "1"}
        )
        assert response.status_code == 302
    fund.refresh_from_db()
    assert fund.notes == "Second"


def test_a_run_finishing_while_the_page_is_open_is_no_conflict(fund_admin, fund):
    """A run writes the fund's totals' time (for clients syncing funds), which is no edit."""
    bob = signed_in(fund_admin)
    page = opened(bob, fund)
    assert factories.run(fund).status == "succeeded"

    assert bob.post(change_page(fund), {**page, "notes": "Bob's note"}).status_code == 302
    fund.refresh_from_db()
    assert fund.notes == "Bob's note"
