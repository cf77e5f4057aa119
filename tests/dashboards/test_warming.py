"""The pages visitors land on are computed into the shared data cache after a change, so that
the first visitor after an import or a run is served at once."""

import datetime as dt

import pytest
from django.core.cache import caches
from django.utils import timezone

from dashboards.warming import LANDING_PAGES, landing_pages_warm
from datacache.models import DataVersion
from tests.conftest import cache_clear

pytestmark = pytest.mark.django_db

# What a page served from the data cache reads: the data version, which keys it.
CACHED_PAGE_QUERIES = 1


@pytest.fixture
def shared_data_cache(settings, tmp_path):
    """A data cache other processes could read: a folder of files here, Redis in production;
    the site's address is the test client's."""
    settings.SITE_URL = "http://testserver"
    settings.CACHES = {
        **settings.CACHES,
        "data": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "data-cache"),
            "KEY_PREFIX": "data",
        },
    }
    return caches["data"]


def test_a_warmed_landing_page_is_served_from_the_cache_as_computed(
    client, seed_funds, shared_data_cache, django_assert_max_num_queries
):
    assert landing_pages_warm() == list(LANDING_PAGES)

    served = {}
    for path in LANDING_PAGES:
        with django_assert_max_num_queries(CACHED_PAGE_QUERIES):
            served[path] = client.get(path)
    cache_clear(shared_data_cache)
    for path in LANDING_PAGES:
        computed = client.get(path)
        assert served[path].status_code == computed.status_code == 200
        assert served[path].content == computed.content, path


def test_the_same_data_is_warmed_once(seed_funds, shared_data_cache):
    assert landing_pages_warm() == list(LANDING_PAGES)
    assert landing_pages_warm() == []


def test_a_cache_of_one_process_is_not_warmed(seed_funds, settings):
    # The quick start's: pages computed in the worker would be no use to the web process.
    assert settings.CACHES["data"]["BACKEND"].endswith("LocMemCache")
    assert landing_pages_warm() == []


def test_data_changed_moments_ago_are_left_for_the_change_that_follows(
    seed_funds, shared_data_cache
):
    # A run of many funds changes the data every second or so: each change's warming waits
    # for the data to be still, so that only the last warms.
    DataVersion.objects.update_or_create(
        pk=1, defaults={"token": "just-changed", "changed_at": timezone.now()}
    )
    assert landing_pages_warm(unless_changed_within=60) == []

    DataVersion.objects.filter(pk=1).update(changed_at=timezone.now() - dt.timedelta(minutes=2))
    assert landing_pages_warm(unless_changed_within=60) == list(LANDING_PAGES)


def test_a_data_cache_that_is_down_warms_nothing_and_says_so(
    shared_data_cache, monkeypatch, caplog
):
    # As for the pages themselves: a cache that is down costs speed, never an error.
    def refused(*args, **kwargs):
        raise ConnectionError("the data cache is restarting")

    monkeypatch.setattr(shared_data_cache, "get", refused)
    monkeypatch.setattr(shared_data_cache, "set", refused)

    assert landing_pages_warm() == []
    assert "the data cache could not be read" in caplog.text


def test_a_data_cache_lost_while_warming_is_logged_not_raised(
    shared_data_cache, monkeypatch, caplog
):
    def refused(*args, **kwargs):
        raise ConnectionError("the data cache is restarting")

    monkeypatch.setattr(shared_data_cache, "set", refused)

    landing_pages_warm()
    assert "the data cache could not be written" in caplog.text
