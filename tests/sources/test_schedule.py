"""The scheduled check: inside every publication day, off unless turned on, harmless twice."""

import datetime as dt

import pytest
from django.conf import settings

from sources.models import Fetch
from sources.services import default_financial_year
from sources.tasks import ae_fetch_task

from .months import FEBRUARY, FEBRUARY_FILE, page_with
from .publisher import shipped


def second_thursday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(3 - first.weekday()) % 7 + 7)


def test_the_schedule_checks_on_every_second_thursday_after_publication():
    schedule = settings.CELERY_BEAT_SCHEDULE["fetch-ae-in-publication-window"]["schedule"]
    assert schedule.hour and min(schedule.hour) >= 10  # NHS England publishes at 9:30
    for year in range(2024, 2031):
        for month in range(1, 13):
            assert second_thursday(year, month).day in schedule.day_of_month


def test_the_default_year_is_that_of_last_months_figures():
    assert default_financial_year(dt.date(2026, 4, 9)) == "2025-26"  # March's figures
    assert default_financial_year(dt.date(2026, 5, 14)) == "2026-27"


@pytest.mark.django_db
def test_fetching_is_off_unless_turned_on(settings, publisher):
    settings.AE_FETCH_ENABLED = False
    assert ae_fetch_task() == ["fetching is off (AE_FETCH_ENABLED)"]
    assert publisher.requests == [] and not Fetch.objects.exists()


@pytest.mark.django_db
def test_the_scheduled_fetch_run_twice_imports_once(settings, publisher, february_is_new):
    settings.AE_FETCH_ENABLED = True
    year = default_financial_year(dt.date.today())
    settings.AE_LANDING_PAGES = {year: publisher.base + "/ae-2025-26/"}
    publisher.serve_file(f"/files/{FEBRUARY_FILE}", shipped(FEBRUARY_FILE))
    page_with(publisher, FEBRUARY_FILE)

    first, second = ae_fetch_task(), ae_fetch_task()

    assert any("February 2026 imported" in line for line in first)
    assert any("not changed since" in line for line in second)
    assert Fetch.objects.filter(outcome=Fetch.Outcome.IMPORTED, month=FEBRUARY).count() == 1
