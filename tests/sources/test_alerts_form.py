"""The alerts form as a signed-in user fills it in: a region in any case is the region, and a
refused entry comes back with what was typed, for the user to correct."""

import pytest

from sources.models import Subscription
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_region_is_found_whatever_its_case(client, analyst):
    factories.trust("ZA9", region="Zedland")
    client.force_login(analyst)

    response = client.post("/alerts/", {"kind": "region", "target": "zEDLAND"})

    assert response.status_code == 302
    assert Subscription.objects.get(user=analyst).region == "Zedland"


def test_a_refused_entry_keeps_what_was_typed(client, analyst):
    client.force_login(analyst)

    page = client.post("/alerts/", {"kind": "region", "target": "Nowhere Land"}).content.decode()

    assert "&#x27;Nowhere Land&#x27; is not a region any organisation is in" in page
    assert 'value="Nowhere Land"' in page
    assert '<option value="region" selected>' in page
