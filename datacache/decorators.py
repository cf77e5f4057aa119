"""Whole responses cached until the data behind them changes.

A page or API list computed from every stored figure is slow at national scale and changes
only when an import, an admin or a run writes. Responses are cached under the data version
(datacache.versions), so the first request after a write computes afresh and later ones are
served from the cache. Django's own cache keys are used, so the URL with its query string
and the headers the response varies on (Accept, Cookie) each get their own entry.
"""

import functools
import logging

from django.conf import settings
from django.core.cache import caches
from django.utils.cache import get_cache_key, learn_cache_key

from .versions import code_version, data_version

log = logging.getLogger(__name__)


def _cache():
    return caches[settings.DATA_CACHE_ALIAS]


def _key_prefix(request) -> str:
    """The code and data versions and the reader: a signed-in user's pages (and DRF's
    browsable API) name them, so each user has entries of their own and anonymous readers
    share theirs."""
    user = getattr(request, "user", None)
    reader = user.pk if user is not None and user.is_authenticated else "anonymous"
    return f"{code_version()}-{data_version()}-{reader}"


def cached_until_data_changes(view):
    """For views, and DRF handler methods through method_decorator, that only read. On DRF
    views it goes on the handler (list, retrieve, get), never on dispatch, so authentication,
    permissions and throttling still run on every request."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        prefix = _key_prefix(request)
        cached = _cache_read(request, prefix)
        if cached is not None:
            return cached
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        if callable(getattr(response, "render", None)) and not response.is_rendered:
            response.add_post_render_callback(
                lambda rendered: _cache_write(request, rendered, prefix)
            )
        else:
            _cache_write(request, response, prefix)
        return response

    return wrapped


# A cache that is down (Redis restarting) costs speed, never a page: errors are logged and
# the response is computed as if nothing were cached.
def _cache_read(request, prefix: str):
    try:
        key = get_cache_key(request, prefix, "GET", cache=_cache())
        return None if key is None else _cache().get(key)
    except Exception:
        log.warning("the data cache could not be read", exc_info=True)
        return None


def _cache_write(request, response, prefix: str) -> None:
    if response.cookies:
        return  # a response that sets a cookie belongs to one visitor
    timeout = settings.DATA_CACHE_SECONDS
    try:
        key = learn_cache_key(request, response, timeout, prefix, cache=_cache())
        _cache().set(key, response, timeout)
    except Exception:
        log.warning("the data cache could not be written", exc_info=True)
