"""The header says where the reader is; the footer leads to the glossary."""

import re
from html import unescape

import pytest

pytestmark = pytest.mark.django_db


def _current(html: str) -> list[str]:
    return re.findall(r'aria-current="page">([^<]+)</a>', html)


def test_the_nav_marks_the_section_of_the_page_shown(client):
    assert _current(client.get("/funds/").content.decode()) == ["Funds"]
    assert _current(client.get("/league/").content.decode()) == ["League table"]


def test_a_page_inside_a_section_marks_that_section(client):
    from trusts.models import Organisation

    # get_or_create: the shipped data may already be in a reused test database.
    Organisation.objects.get_or_create(
        ods_code="RV8", defaults={"name": "North West London Hospitals NHS Trust", "kind": "trust"}
    )
    response = client.get("/trusts/RV8/")
    assert response.status_code == 200
    assert _current(response.content.decode()) == ["Organisations"]


def test_the_title_names_the_page_and_the_site(client):
    html = client.get("/funds/").content.decode()
    assert "<title>Funds – NHS urgent-care funding tracker</title>" in html


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/data-sources/", "Data sources"),
        ("/whats-new/", "What's new"),
        ("/accounts/login/", "Sign in"),
        ("/alerts/unsubscribe/not-a-token/", "Unsubscribe"),
    ],
)
def test_every_title_names_the_site_once(client, path, heading):
    html = client.get(path).content.decode()
    title = unescape(re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1))
    assert title == f"{heading} – NHS urgent-care funding tracker"


def test_the_alerts_title_names_the_site_once(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("synthetic-reader"))
    html = client.get("/alerts/").content.decode()
    assert "<title>Email alerts – NHS urgent-care funding tracker</title>" in html


def test_the_glossary_defines_the_terms_the_pages_use(client):
    html = client.get("/glossary/").content.decode()
    for term in (
        "Type 1",
        "Other (types 3 and 4)",
        "The 95% standard",
        "Interim standards",
        "NHS quarters",
        "Financial year",
        "Modelled",
        "Weeks in a window",
    ):
        assert f">{term}</dt>" in html, term
    assert _current(html) == []


def test_every_page_links_to_the_glossary(client):
    assert 'href="/glossary/">Glossary</a>' in client.get("/funds/").content.decode()
