"""A parent fund (the £500m over two winters) shows its waves' money and recipients."""

import pytest
from django.db.models import Sum
from django.utils.html import escape

from funding.models import Allocation, Fund
from funding.selectors import funds_with_totals

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

PARENT = "ae-winter-pressures-2013-15"


def _waves_current(basis: str | None = None):
    rows = Allocation.objects.filter(run__is_current=True, fund__parent__slug=PARENT)
    return rows.filter(basis=basis) if basis else rows


def test_the_parent_has_waves_with_money_and_none_of_its_own():
    parent = Fund.objects.get(slug=PARENT)
    assert parent.waves.count() == 2
    assert not Allocation.objects.filter(fund=parent).exists()
    assert _waves_current().exists()


def test_the_register_rolls_the_waves_up():
    parent = funds_with_totals().get(slug=PARENT)
    for basis, total in (
        (Allocation.Basis.MODELLED, parent.modelled_pence),
        (Allocation.Basis.PUBLISHED, parent.published_pence),
    ):
        assert total == _waves_current(basis).aggregate(t=Sum("amount_pence"))["t"] or 0
    recipients = set(_waves_current().values_list("recipient_id", flat=True))
    assert parent.recipient_count == len(recipients) > 0


def test_a_wave_keeps_only_its_own_totals():
    wave = funds_with_totals().get(slug="ae-winter-2013-14")
    own = Allocation.objects.filter(run__is_current=True, fund__slug="ae-winter-2013-14")
    assert wave.recipient_count == own.values("recipient").distinct().count()


def test_the_api_gives_the_parent_its_waves_totals(client):
    body = client.get(f"/api/v1/funds/{PARENT}/").json()
    modelled = _waves_current(Allocation.Basis.MODELLED).aggregate(t=Sum("amount_pence"))["t"]
    assert body["modelled"] == f"{modelled / 100:.2f}"
    assert body["recipient_count"] == len(set(_waves_current().values_list("recipient", flat=True)))


def test_the_fund_page_lists_the_waves_recipients(client):
    page = client.get(f"/funds/{PARENT}/").content.decode()
    some = _waves_current().select_related("recipient").order_by("-amount_pence").first()
    assert some.recipient.ods_code in page
    recipients = len(set(_waves_current().values_list("recipient", flat=True)))
    assert f"; {recipients} recipients (its waves together: " in page
    for wave in Fund.objects.filter(parent__slug=PARENT):
        assert escape(wave.name) in page
