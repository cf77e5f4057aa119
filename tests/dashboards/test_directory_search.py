"""Finding an organisation by the words a reader types, on the directory page and in the API:
case, apostrophes (straight or curly), "&" and full stops do not matter, nor word order; a
former name finds the organisation too."""

import re

import pytest

from tests import factories
from trusts.models import OrganisationName

pytestmark = pytest.mark.django_db


@pytest.fixture
def trusts():
    kings = factories.trust("ZK1", name="King's College Hospital NHS Foundation Trust")
    factories.trust("ZK2", name="Guy's and St Thomas' NHS Foundation Trust")
    factories.trust("ZK3", name="Kingston Hospital NHS Foundation Trust")
    factories.trust("ZK4", name="Brighton & Sussex University Hospitals NHS Trust")
    OrganisationName.objects.create(
        organisation=kings, name="King's Healthcare NHS Trust", source="synthetic"
    )


def listed(client, search: str) -> list[str]:
    """The codes the directory lists (only these trusts: the national data may be in the test
    database too)."""
    response = client.get("/trusts/", {"q": search})
    assert response.status_code == 200
    codes = re.findall(r'href="/trusts/(ZK\d)/"', response.content.decode())
    return sorted(set(codes))


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("kings college", ["ZK1"]),
        ("KING\u2019S COLLEGE", ["ZK1"]),
        ("college kings", ["ZK1"]),
        ("guys", ["ZK2"]),
        ("st. thomas", ["ZK2"]),
        ("guy's & st thomas'", ["ZK2"]),
        ("brighton and sussex", ["ZK4"]),
        ("king", ["ZK1", "ZK3"]),
        ("kings healthcare", ["ZK1"]),  # a name it had before
        ("zk3", ["ZK3"]),
        ("kings college kingston", []),
    ],
)
def test_the_directory_finds_an_organisation_by_the_words_of_its_name(
    client, trusts, search, found
):
    assert listed(client, search) == found


def test_the_api_finds_organisations_by_the_same_words(client, trusts):
    response = client.get("/api/v1/organisations/", {"name": "st. thomas"})
    assert response.status_code == 200
    codes = [row["ods_code"] for row in response.json()["results"]]
    assert [code for code in codes if code.startswith("ZK")] == ["ZK2"]


def test_a_search_that_finds_none_of_the_kind_chosen_links_to_the_kinds_it_finds(client, trusts):
    factories.ccg("ZK5", name="NHS Kingsbury Clinical Commissioning Group")
    factories.ccg("ZK6", name="NHS Kingsbury West Clinical Commissioning Group")

    html = client.get("/trusts/", {"kind": "trust", "q": "kingsbury"}).content.decode()

    assert "0 found" in html
    assert "<table" not in html  # no empty table to scroll sideways
    assert re.search(
        r'<a href="\?kind=ccg&amp;q=kingsbury">Clinical commissioning groups: 2</a>', html
    )
    # A search that finds some of the kind chosen lists them and no more.
    assert (
        "Clinical commissioning groups: "
        not in client.get("/trusts/", {"kind": "trust", "q": "kings college"}).content.decode()
    )
