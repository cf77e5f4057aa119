"""/api/v1/schema/ and /api/v1/docs/: the OpenAPI schema and its pages, with nothing from a CDN."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_and_docs_are_served_without_a_cdn(client):
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_the_schema_says_how_to_page_through_the_league(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    league = schema["paths"]["/api/v1/performance/league/"]["get"]
    assert {"page", "page_size", "limit"} <= {p["name"] for p in league["parameters"]}
