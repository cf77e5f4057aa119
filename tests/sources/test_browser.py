"""The Data sources and What's new pages in chromium, served by another process (gunicorn) from
the test database: what a reader sees after a month was fetched and another revised."""

import hashlib

import pytest
from django.utils import timezone

from sources import selectors, spc
from sources.models import Fetch, Revision, SpcSignal
from tests.dashboards.conftest import (  # noqa: F401 - fixtures
    browser,
    browser_context,
    page,
    screenshot,
    site,
)

from .months import FEBRUARY, FEBRUARY_FILE, JULY, JULY_FIRST, JULY_REVISED
from .publisher import FIRST_RELEASES, shipped
from .test_fetch_ae import file_totals

pytestmark = [pytest.mark.browser, pytest.mark.services]


@pytest.fixture(scope="module")
def fetch_history(demo_data, django_db_blocker):
    """Committed records of a fetch of February 2026 and a revision of July 2025, as fetch_ae
    writes them, and the SPC signals the shipped figures give at July 2025 for Guy's and St
    Thomas' and its region; the figures themselves are left as shipped."""
    before = file_totals(shipped(JULY_FIRST, FIRST_RELEASES))
    after = file_totals(shipped(JULY_REVISED))
    with django_db_blocker.unblock():
        # The shipped data load records signals of its own: only these are to be listed.
        SpcSignal.objects.all().delete()
        try:
            yield _history_record(before, after)
        finally:
            # Also after a failure half-way, so that no later test finds these records.
            Fetch.objects.all().delete()
            SpcSignal.objects.all().delete()


def _history_record(before: tuple[int, int], after: tuple[int, int]) -> dict:
    now = timezone.now()
    Fetch.objects.create(
        kind=Fetch.Kind.FILE,
        url=f"https://www.england.nhs.uk/files/{FEBRUARY_FILE}",
        started_at=now,
        finished_at=now,
        http_status=200,
        sha256=hashlib.sha256(shipped(FEBRUARY_FILE)).hexdigest(),
        month=FEBRUARY,
        rows=208,
        outcome=Fetch.Outcome.IMPORTED,
        message=f"{FEBRUARY_FILE}: February 2026 imported",
    )
    revised = Fetch.objects.create(
        kind=Fetch.Kind.FILE,
        url=f"https://www.england.nhs.uk/files/{JULY_REVISED}",
        started_at=now,
        finished_at=now,
        http_status=200,
        sha256=hashlib.sha256(shipped(JULY_REVISED)).hexdigest(),
        month=JULY,
        outcome=Fetch.Outcome.REVISED,
        message=f"{JULY_REVISED}: July 2025 revised",
    )
    Revision.objects.create(
        fetch=revised,
        month=JULY,
        source_file=JULY_REVISED,
        replaced_files=JULY_FIRST,
        revised_at=now,
        attendances_before=before[0],
        over_4h_before=before[1],
        attendances_after=after[0],
        over_4h_after=after[1],
        rows_changed=473,
        rows_removed=0,
    )
    signals = spc.signals_detect(month=JULY, codes={"RJ1"})
    steps = [
        f"{step.fund.name}: {step.get_status_display().lower()}"
        for step in selectors.status_steps_recent(limit=10)
    ]
    return {"before": before, "after": after, "signals": signals, "steps": steps}


def test_data_sources_shows_freshness_and_the_revision(page, site, fetch_history):  # noqa: F811
    page.goto(site + "/")
    page.get_by_role("link", name="Data sources").click()
    assert page.locator("h1").inner_text() == "Data sources"
    assert page.locator("#freshness").inner_text() == "A&E figures to February 2026"
    row = page.locator("#revision-table tbody tr").first
    cells = row.locator("td").all_inner_texts()
    before, after = fetch_history["before"], fetch_history["after"]
    assert cells[0] == "July 2025" and cells[2] == JULY_REVISED and cells[3] == JULY_FIRST
    assert cells[4:] == [f"{before[0]:,}", f"{after[0]:,}", f"{before[1]:,}", f"{after[1]:,}"]
    fetches = page.locator("#fetch-table tbody tr")
    assert fetches.count() == 2
    assert "New month imported" in fetches.all_inner_texts()[1]
    screenshot(page, "data-sources")
    assert page.problems == []


def test_whats_new_is_linked_from_home_and_lists_what_changed(page, site, fetch_history):  # noqa: F811
    page.goto(site + "/")
    page.get_by_role("link", name="What's new").click()
    assert page.locator("h1").inner_text() == "What's new"
    months = page.locator("#months-list").inner_text()
    assert "February 2026 added" in months and "July 2025 revised" in months
    steps = page.locator("#funds-list li").all_inner_texts()
    assert len(steps) == len(fetch_history["steps"]) > 0
    for shown, step in zip(steps, fetch_history["steps"], strict=True):
        assert shown.startswith(step)
    signals = page.locator("#signals-list li").all_inner_texts()
    assert [text.removesuffix(" feed") for text in signals] == [
        s.title for s in sorted(fetch_history["signals"], key=lambda s: (s.scope, s.subject))
    ]
    feed = page.locator("#signals-list a").first.get_attribute("href")
    assert feed.startswith("/feeds/signals/region/")
    assert page.request.get(site + feed).headers["content-type"].startswith("application/atom")
    screenshot(page, "whats-new")
    assert page.problems == []
