"""The pages visitors land on, computed into the shared data cache after each import and run,
so that the first visitor after a change is not the one who waits for them."""

import datetime as dt
import io
import logging
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.utils import timezone

from datacache.models import DataVersion
from datacache.versions import code_version, data_version

logger = logging.getLogger(__name__)

LANDING_PAGES = ("/", "/funds/", "/league/", "/performance/", "/trusts/", "/spending/")
# The code and data versions last warmed, kept in the data cache itself.
WARMED_KEY = "warmed"
# A worker warms once the data have been still this long: a run of many funds, or imports of
# many files, changes them every second or so, and warming after each change took the
# worker from the next run (half a second a time at 10x England).
QUIET_SECONDS = 2


def shared() -> bool:
    """Whether other processes read the data cache (Redis in production): pages computed into a
    cache of this process's own (the quick start's) would be no use to the web process."""
    return not isinstance(caches[settings.DATA_CACHE_ALIAS], LocMemCache | DummyCache)


def landing_pages_warm(*, unless_changed_within: float = 0) -> list[str]:
    """Requests each landing page, as a visitor at SITE_URL without cookies would, through the
    middleware and views, so that each is cached as its first visitor would have cached it.
    Returns the pages warmed: none if the cache is not shared, these data are warm, or they
    changed less than `unless_changed_within` seconds ago (the change that did so warms)."""
    if not shared() or _changed_within(unless_changed_within):
        return []
    cache = caches[settings.DATA_CACHE_ALIAS]
    version = f"{code_version()}-{data_version()}"
    try:
        if cache.get(WARMED_KEY) == version:
            return []
    except Exception:
        # As for the pages themselves: a cache that is down costs speed, never an error.
        logger.warning("the data cache could not be read: nothing warmed", exc_info=True)
        return []
    site = urlsplit(settings.SITE_URL)
    handler = WSGIHandler()
    warmed = []
    for path in LANDING_PAGES:
        # The handler's response without its close(), which would send request_finished: that
        # closes the database connection, where the caller (a worker's task) keeps it.
        response = handler.get_response(WSGIRequest(_environ(site, path)))
        if response.status_code == 200:
            warmed.append(path)
        else:
            logger.warning("%s answered %s: not warmed", path, response.status_code)
    try:
        cache.set(WARMED_KEY, version, settings.DATA_CACHE_SECONDS)
    except Exception:
        logger.warning("the data cache could not be written", exc_info=True)
    return warmed


def _changed_within(seconds: float) -> bool:
    changed_at = DataVersion.objects.filter(pk=1).values_list("changed_at", flat=True).first()
    return changed_at is not None and timezone.now() - changed_at < dt.timedelta(seconds=seconds)


def _environ(site, path: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": site.hostname,
        "SERVER_PORT": str(site.port or (443 if site.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": site.netloc,
        "HTTP_ACCEPT": "text/html",
        "wsgi.url_scheme": site.scheme,
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
