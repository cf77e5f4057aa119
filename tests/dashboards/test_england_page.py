"""England's own code, ENG, as a user meets it: its page is the overview, whose England line it
contradicted (all types 'no figure' in every month, a series starting in June 2015), and the
monthly series API answers for it with England's series."""

import datetime as dt

import pytest

from tests import factories
from trusts.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def england():
    england, _ = Organisation.objects.get_or_create(
        ods_code="ENG", defaults={"name": "England", "kind": Organisation.Kind.NATIONAL}
    )
    factories.ae_month(factories.trust("ZE1"), dt.date(2031, 1, 1), 1_000, 100)
    return england


def test_englands_page_is_the_overview(client, england):
    response = client.get("/trusts/ENG/")
    assert response.status_code == 301 and response["Location"] == "/"


def test_the_monthly_series_for_eng_is_englands(client, england):
    def january(query):
        body = client.get(f"/api/v1/performance/monthly/{query}").json()
        (series,) = [s for s in body["series"] if s["measure"] == "1"]
        return next(p for p in series["points"] if p["month"] == "2031-01")

    assert january("?code=ENG") == january("")


def test_the_overview_says_which_trusts_englands_2019_20_figures_leave_out(client):
    factories.ae_month(factories.trust("ZE2"), dt.date(2019, 6, 1), 1_000, 100)
    page = client.get("/").content.decode()
    assert 'id="field-test"' in page and "14 trusts" in page
