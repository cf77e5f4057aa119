"""The Data sources and What's new pages and the fetch and revision API, after a real fetch."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from sources.models import Fetch, Revision
from trusts.importers import import_files

from .months import FEBRUARY_FILE, JULY, JULY_FIRST, JULY_REVISED, forget, page_with
from .publisher import FIRST_RELEASES, shipped
from .test_fetch_ae import file_totals

pytestmark = pytest.mark.django_db


@pytest.fixture
def fetched(publisher, february_is_new):
    forget(JULY, JULY_REVISED)
    import_files([FIRST_RELEASES / JULY_FIRST])
    publisher.serve_file(f"/files/{JULY_REVISED}", shipped(JULY_REVISED))
    publisher.serve_file(f"/files/{FEBRUARY_FILE}", shipped(FEBRUARY_FILE))
    page_with(publisher, JULY_REVISED, FEBRUARY_FILE)
    call_command("fetch_ae", "--year", "2025-26", stdout=io.StringIO())


def test_data_sources_shows_freshness_fetches_and_revisions(fetched, client):
    page = client.get(reverse("sources:data-sources")).content.decode()
    assert "A&amp;E figures to February 2026" in page
    before, after = (
        file_totals(shipped(JULY_FIRST, FIRST_RELEASES)),
        file_totals(shipped(JULY_REVISED)),
    )
    assert "<td>July 2025</td>" in page and JULY_REVISED in page and JULY_FIRST in page
    for total in (*before, *after):
        assert f'<td class="nhsuk-table__cell--numeric">{total:,}</td>' in page
    assert page.count('<tr id="fetch-') == 3
    assert "New month imported" in page and "Month revised" in page


def test_whats_new_lists_the_month_and_the_revision(fetched, client):
    page = client.get(reverse("sources:whats-new")).content.decode()
    assert "February 2026 added" in page
    assert "July 2025 revised" in page


def test_the_home_page_links_whats_new(real_data, client):
    assert f'href="{reverse("sources:whats-new")}"' in client.get("/").content.decode()


def test_the_api_lists_fetches_newest_first(fetched, client):
    body = client.get("/api/v1/fetches/").json()
    assert body["count"] == 3
    first = body["results"][0]
    assert first["source_url"].endswith(f"/files/{FEBRUARY_FILE}")
    assert first["outcome"] == "imported" and first["month"] == "2026-02-01"
    assert first["url"] == f"http://testserver/api/v1/fetches/{Fetch.objects.first().pk}/"
    only_revised = client.get("/api/v1/fetches/?outcome=revised").json()
    assert [f["month"] for f in only_revised["results"]] == ["2025-07-01"]


def test_the_api_lists_revisions_with_totals_before_and_after(fetched, client):
    [revision] = client.get("/api/v1/revisions/?month=2025-07-01").json()["results"]
    before, after = (
        file_totals(shipped(JULY_FIRST, FIRST_RELEASES)),
        file_totals(shipped(JULY_REVISED)),
    )
    assert (revision["attendances_before"], revision["over_4h_before"]) == before
    assert (revision["attendances_after"], revision["over_4h_after"]) == after
    assert revision["source_file"] == JULY_REVISED
    assert revision["fetch"].startswith("http://testserver/api/v1/fetches/")


def test_the_api_gives_revisions_as_csv(fetched, client):
    response = client.get("/api/v1/revisions/?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["month"] for row in rows] == ["2025-07-01"]
    assert Revision.objects.get().source_file == rows[0]["source_file"]


def test_the_api_refuses_writes_even_to_a_fund_admin(fetched, client, fund_admin):
    client.force_login(fund_admin)
    assert client.post("/api/v1/fetches/", {}).status_code == 405


def test_the_admin_names_spc_signals_as_the_pages_do(client, superuser):
    client.force_login(superuser)
    index = client.get("/admin/").content.decode()
    assert ">SPC signals</a>" in index and "Spc signals" not in index


def test_fetches_are_listed_in_the_admin_and_cannot_be_written_by_hand(fetched, client, superuser):
    client.force_login(superuser)
    listing = client.get("/admin/sources/fetch/").content.decode()
    assert FEBRUARY_FILE in listing and "Month revised" in listing
    assert client.get("/admin/sources/fetch/add/").status_code == 403


def test_data_sources_names_what_each_kind_of_file_loaded_is(real_data, client):
    """It named no source for any figure before 2020, and pointed at a file the site does
    not serve."""
    page = client.get(reverse("sources:data-sources")).content.decode()
    table = page[page.index('id="files-table"') : page.index("</table>", page.index("files-table"))]

    for label in (
        "BBC weekly type 1 A&amp;E by trust name",
        "NHS-R monthly ae_attendances",
        "HowsMyNHS monthly all-types A&amp;E by provider",
        "NHS England monthly A&amp;E CSV",
    ):
        assert f"<td>{label}</td>" in table
