"""/api/v1/organisations/: an organisation and its history."""

import datetime as dt

import pytest

from tests import factories
from trusts.models import Succession

pytestmark = pytest.mark.django_db

APRIL_2013 = dt.date(2013, 4, 1)


def test_an_organisation_shows_its_history(client, real_data):
    body = client.get("/api/v1/organisations/RD7/").json()
    assert body["closed_on"] == "2014-09-30"
    assert body["successors"] == [
        {
            "ods_code": "RDU",
            "effective_on": "2014-10-01",
            "kind": "acquisition",
            "share_percent": None,
        }
    ]


def test_a_split_names_each_successors_share_and_each_predecessor_its_own(client):
    pct = factories.organisation("pct", name="Synthetic PCT")
    north, south = factories.ccg(), factories.ccg()
    factories.succession(pct, north, APRIL_2013, kind=Succession.Kind.SPLIT, share_percent="91.4")
    factories.succession(pct, south, APRIL_2013, kind=Succession.Kind.SPLIT, share_percent="8.6")

    successors = client.get(f"/api/v1/organisations/{pct.ods_code}/").json()["successors"]
    predecessors = client.get(f"/api/v1/organisations/{south.ods_code}/").json()["predecessors"]

    assert sorted(successors, key=lambda s: s["ods_code"]) == [
        {
            "ods_code": north.ods_code,
            "effective_on": "2013-04-01",
            "kind": "split",
            "share_percent": "91.400",
        },
        {
            "ods_code": south.ods_code,
            "effective_on": "2013-04-01",
            "kind": "split",
            "share_percent": "8.600",
        },
    ]
    assert predecessors == [
        {
            "ods_code": pct.ods_code,
            "effective_on": "2013-04-01",
            "kind": "split",
            "share_percent": "8.600",
        }
    ]
