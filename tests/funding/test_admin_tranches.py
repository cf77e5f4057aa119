"""A tranche's financial year, entered in the admin, is one the fund is for, written as the
funds and the API's filter write it (2013-14)."""

import pytest
from django.urls import reverse

from tests import factories
from tests.admin_forms import admin_page_post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("13-14", "must be a financial year such as 2015-16"),
        ("2013/14", "must be a financial year such as 2015-16"),
        ("2019-20", "is not one of the fund&#x27;s years: 2013-14"),
    ],
)
@pytest.mark.parametrize("page", ["fund", "tranche"])
def test_a_tranches_year_is_one_of_the_funds_written_as_2013_14(
    client, superuser, written, message, page
):
    client.force_login(superuser)
    fund = factories.fund("tranche-years", financial_years=["2013-14"])
    tranche = factories.tranche(fund, 100_00, name="Winter", financial_year="2013-14")
    if page == "fund":
        url = reverse("admin:funding_fund_change", args=[fund.pk])
        response = admin_page_post(client, url, "fund_form", {"tranches-0-financial_year": written})
    else:
        url = reverse("admin:funding_tranche_change", args=[tranche.pk])
        response = admin_page_post(client, url, "tranche_form", {"financial_year": written})

    assert response.status_code == 200
    assert message in response.content.decode()
    tranche.refresh_from_db()
    assert tranche.financial_year == "2013-14"
