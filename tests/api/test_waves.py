"""A fund announced in waves, through the API: its totals are its waves', and asking for its
allocations, their removals or its grants gives its waves' rows (they gave none, against
£471m in its totals, so a client could not reconcile them)."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent():
    made = factories.fund("zw-parent", total_pence=300_00)
    for slug, code, pence in (("zw-first", "ZW1", 100_00), ("zw-second", "ZW2", 200_00)):
        wave = factories.fixed_fund({factories.trust(code): pence}, slug=slug, parent=made)
        factories.run(wave)
    return made


def test_a_parent_funds_allocations_are_its_waves_and_add_up_to_its_totals(client, parent):
    totals = client.get("/api/v1/funds/zw-parent/").json()
    rows = client.get("/api/v1/allocations/?fund=zw-parent").json()["results"]
    grants = client.get("/api/v1/export/360giving/?fund=zw-parent").json()["grants"]

    assert sorted((r["fund"], r["recipient"]["ods_code"]) for r in rows) == [
        ("zw-first", "ZW1"),
        ("zw-second", "ZW2"),
    ]
    assert sum(float(r["amount"]) for r in rows) == float(totals["published"]) == 300.0
    assert len(grants) == 2


def test_a_parent_funds_removals_are_its_waves(client, parent):
    from funding.models import Fund

    wave = Fund.objects.get(slug="zw-first")
    wave.published_allocations.all().delete()
    factories.run(wave)

    removed = client.get("/api/v1/removed-allocations/?fund=zw-parent").json()["results"]

    assert [(r["fund"], r["recipient"]) for r in removed] == [("zw-first", "ZW1")]


def test_the_funds_csv_says_a_parents_totals_count_its_waves(client):
    package = client.get("/api/v1/datapackage.json").json()
    funds = next(r for r in package["resources"] if r["name"] == "funds")
    described = {f["name"]: f.get("description", "") for f in funds["schema"]["fields"]}

    assert "A fund announced in waves counts its waves' allocations" in described["modelled"]
    assert "leave out either the waves or their parent" in described["parent"]
