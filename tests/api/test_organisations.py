"""/api/v1/organisations/: an organisation and its history."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_organisation_shows_its_history(client, real_data):
    body = client.get("/api/v1/organisations/RD7/").json()
    assert body["closed_on"] == "2014-09-30"
    assert body["successors"] == [
        {"ods_code": "RDU", "effective_on": "2014-10-01", "kind": "acquisition"}
    ]
