"""The 360Giving export: registered organisation identifiers, withdrawn funds left out, and
every grant valid against the standard's schema.

No PyPI package ships the 360Giving schema (lib360dataquality is installed from git), so
GRANT below is the part of 360Giving's JSON schema that a grant must meet: its required
fields, their types and the award date's pattern, copied from ThreeSixtyGiving/standard
(schema/360-giving-schema.json), and checked with the `jsonschema` package.
"""

import jsonschema
import pytest

from funding import services
from funding.models import AllocationRun, Fund
from tests.api.conftest import published_fund

pytestmark = pytest.mark.django_db

ORGANIZATION = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
}
GRANT = {
    "type": "object",
    "required": [
        *("id", "title", "description", "currency", "amountAwarded", "awardDate"),
        *("recipientOrganization", "fundingOrganization"),
    ],
    "properties": {
        "id": {"type": "string", "pattern": "^360G-"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "currency": {"type": "string", "enum": ["GBP"]},
        "amountAwarded": {"type": "number"},
        "awardDate": {
            "type": "string",
            "pattern": "^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$",
        },
        "recipientOrganization": {"type": "array", "minItems": 1, "items": ORGANIZATION},
        "fundingOrganization": {"type": "array", "minItems": 1, "items": ORGANIZATION},
    },
}
# Prefixes registered at org-id.guide, and our own 360Giving prefix for bodies not in one.
REGISTERED = ("GB-NHS-", "GB-GOR-", "360G-")


@pytest.fixture
def fund():
    fund = published_fund("giving-fund", {"ZG1": 400_00, "ZG2": 250_50})
    services.allocation_run_start(run=AllocationRun.objects.create(fund=fund, triggered_by="t"))
    return fund


def grants(client, query="") -> list[dict]:
    return client.get(f"/api/v1/export/360giving/?{query}").json()["grants"]


def test_every_grant_is_valid_against_the_360giving_schema(client, fund):
    exported = grants(client, "basis=all")
    assert exported
    for grant in exported:
        jsonschema.validate(grant, GRANT)
        for org in grant["recipientOrganization"] + grant["fundingOrganization"]:
            assert org["id"].startswith(REGISTERED), org


def test_the_department_of_health_has_its_government_register_identifier(client, fund):
    assert fund.announced_by == Fund.Body.DH
    funders = {g["fundingOrganization"][0]["id"] for g in grants(client, "fund=giving-fund")}
    assert funders == {"GB-GOR-D12"}


def test_a_withdrawn_funds_grants_are_left_out(client, fund):
    assert len(grants(client, "fund=giving-fund")) == 2
    fund.status = Fund.Status.WITHDRAWN
    fund.save()
    assert grants(client, "fund=giving-fund") == []
