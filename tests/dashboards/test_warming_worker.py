"""After a worker's run, the landing pages are served from the data cache it shares with the
web process: warmed by the worker (dashboards.warming)."""

import time

import pytest
from django.core.cache import caches

from config.celery import app as celery_app
from datacache.versions import code_version, data_version
from funding.models import AllocationRun
from tests import factories
from tests.conftest import cache_clear
from tests.dashboards.test_warming import CACHED_PAGE_QUERIES
from tests.workers import live_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_after_a_workers_run_the_landing_pages_are_served_from_the_cache(
    client, settings, django_assert_max_num_queries
):
    """Through a real worker, with a data cache in Redis that it and this process share (a
    database number of the tests' own; the keys carry this session's prefix)."""
    settings.SITE_URL = "http://testserver"
    location = f"{celery_app.conf.broker_write_url.rsplit('/', 1)[0]}/14"
    settings.CACHES = {
        **settings.CACHES,
        "data": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": settings.CACHES["data"]["KEY_PREFIX"],
        },
    }
    fund = factories.fixed_fund({factories.trust(): 100_00}, slug="warmed-fund")
    run = AllocationRun.objects.create(fund=fund, triggered_by="test")
    try:
        site = {"SITE_URL": settings.SITE_URL, "ALLOWED_HOSTS": "testserver"}
        with live_worker(extra_env={"DATA_CACHE_URL": location, **site}):
            celery_app.send_task("funding.tasks.recompute_fund", args=[run.pk])
            deadline = time.monotonic() + 60
            while AllocationRun.objects.get(pk=run.pk).status in ("pending", "running"):
                assert time.monotonic() < deadline, "the run never finished"
                time.sleep(0.2)
            while caches["data"].get("warmed") != f"{code_version()}-{data_version()}":
                assert time.monotonic() < deadline, "the landing pages were never warmed"
                time.sleep(0.2)
        assert AllocationRun.objects.get(pk=run.pk).status == "succeeded"
        # Of the landing pages, those a database of one fund and one trust can answer.
        for path in ("/", "/funds/"):
            with django_assert_max_num_queries(CACHED_PAGE_QUERIES):
                response = client.get(path)
            assert response.status_code == 200 and b"warmed-fund" in response.content
    finally:
        cache_clear(caches["data"])
