"""Every feed is Atom that a parser reads: each entry has a title, a link and a date."""

import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.urls import reverse

from funding.models import AllocationRun, Fund, FundStatusChange
from sources.models import SpcSignal

from .months import FEBRUARY_FILE, JULY, JULY_FIRST, JULY_REVISED, forget, page_with
from .publisher import FIRST_RELEASES, shipped
from .test_alerts import TRUST, february_with_trust_breaching_every_type_1_attendance

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text
    found = []
    for entry in feed.iter(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link").get("href")
        updated = dt.datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
        found.append(
            {
                "title": entry.find(f"{ATOM}title").text,
                "link": link,
                "updated": updated,
                "id": entry.find(f"{ATOM}id").text,
            }
        )
    for entry in found:
        assert entry["title"] and entry["link"].startswith("http://testserver/")
        assert entry["updated"].tzinfo is not None
    assert len({entry["id"] for entry in found}) == len(found)
    return found


@pytest.fixture
def a_revision_and_a_new_month(publisher, february_is_new):
    forget(JULY, JULY_REVISED)
    from trusts.importers import import_files

    import_files([FIRST_RELEASES / JULY_FIRST])
    publisher.serve_file(f"/files/{JULY_REVISED}", shipped(JULY_REVISED))
    publisher.serve_file(
        f"/files/{FEBRUARY_FILE}", february_with_trust_breaching_every_type_1_attendance()
    )
    page_with(publisher, JULY_REVISED, FEBRUARY_FILE)
    call_command("fetch_ae", "--year", "2025-26", stdout=io.StringIO())


def test_the_ae_feed_has_new_months_and_revisions(a_revision_and_a_new_month, client):
    titles = [e["title"] for e in entries(client, reverse("sources:feed-ae"))]
    assert sorted(titles) == [
        "A&E figures for February 2026",
        "A&E figures for July 2025 revised",
    ]


def test_the_signal_feeds_of_a_trust_and_its_region(a_revision_and_a_new_month, client):
    trust = entries(client, reverse("sources:feed-trust-signals", args=[TRUST]))
    signals = SpcSignal.objects.filter(scope="trust", subject=TRUST)
    assert [e["title"] for e in trust] == [signal.title for signal in signals]
    assert any("concern in four-hour performance, February 2026" in e["title"] for e in trust)
    region = signals.first().organisation.region
    entries(client, reverse("sources:feed-region-signals", args=[region]))
    missing = client.get(reverse("sources:feed-region-signals", args=["Atlantis"]))
    assert missing.status_code == 404


def test_the_funds_feed_has_each_fund_and_status_step(demo_data, client):
    found = entries(client, reverse("sources:feed-funds"))
    titles = {e["title"] for e in found}
    assert {f"New fund: {fund.name}" for fund in Fund.objects.all()} <= titles
    assert len(found) == min(50, Fund.objects.count() + FundStatusChange.objects.count())


def test_a_fund_runs_feed_has_its_runs(demo_data, client):
    run = AllocationRun.objects.filter(status="succeeded").select_related("fund").first()
    found = entries(client, reverse("sources:feed-fund-runs", args=[run.fund.slug]))
    assert any(f"allocation run {run.pk}," in e["title"] for e in found)
