"""Whole responses cached until the data behind them changes.

A page or API list computed from every stored figure is slow at national scale and changes
only when an import, an admin or a run writes. Responses are cached under the data version
(datacache.versions), so the first request after a write computes afresh and later ones are
served from the cache. Django's own cache keys are used, so the path and the headers the
response varies on (Accept, Cookie) each get their own entry; of the query string, only the
parameters the view reads count, sorted and trimmed, so junk parameters (`?utm_source=...`,
or an attacker's) neither make new entries nor miss the cached one.
"""

import copy
import functools
import hashlib
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.http import QueryDict
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


class ReadParameters(QueryDict):
    """A request's query parameters that note which of them the view reads. A view that
    goes through all of them (iterates, copies) is noted as reading every one."""

    def __init__(self, source: QueryDict):
        super().__init__(mutable=True)
        for key, values in source.lists():
            self.setlist(key, values)
        self._mutable = False
        self.names: set[str] = set()
        self.all = False

    def __getitem__(self, key):
        self.names.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.names.add(key)
        return super().__contains__(key)

    def _getlist(self, key, *args, **kwargs):
        self.names.add(key)
        return super()._getlist(key, *args, **kwargs)

    def __iter__(self):
        self.all = True
        return super().__iter__()

    def keys(self):
        self.all = True
        return super().keys()

    def lists(self):
        self.all = True
        return super().lists()

    def dict(self):
        self.all = True
        return super().dict()

    def urlencode(self, *args, **kwargs):
        self.all = True
        return super().urlencode(*args, **kwargs)

    def copy(self):
        """A plain, mutable QueryDict of every parameter."""
        self.all = True
        plain = QueryDict(mutable=True)
        for key, values in super().lists():
            plain.setlist(key, list(values))
        return plain

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()


ALL_PARAMETERS = "*"


# Read by every page and, through DRF's content negotiation, before an API handler runs.
ALWAYS_READ = frozenset({"format"})


def _parameters_key(request) -> str:
    path = hashlib.md5(request.path.encode()).hexdigest()
    return f"parameters:{code_version()}:{path}"


def _http_request(request):
    """Django's request, under DRF's (which reads its query parameters and URL from it)."""
    return getattr(request, "_request", request)


def _canonical(request, parameters: set[str]):
    """The request as the cache sees it: only `parameters` (or all, for "*") of its query
    string, sorted, values trimmed of spaces."""
    request = _http_request(request)
    query = QueryDict(request.META.get("QUERY_STRING", ""))
    wanted = query.keys() if ALL_PARAMETERS in parameters else parameters
    pairs = [
        (name, value.strip())
        for name in sorted(n for n in wanted if n in query)
        for value in query.getlist(name)
    ]
    canonical = copy.copy(request)
    canonical.META = {**request.META, "QUERY_STRING": urlencode(pairs)}
    return canonical


def _with(prefix: str, parameters: set[str]) -> str:
    # An entry is found only through the set of parameters it was keyed by: were the set
    # forgotten (evicted) and learned again smaller, a request differing in a parameter
    # outside it must not find an entry keyed without that parameter.
    return f"{prefix}-{hashlib.md5(repr(sorted(parameters)).encode()).hexdigest()[:12]}"


def cached_until_data_changes(view):
    """For views, and DRF handler methods through method_decorator, that only read. On DRF
    views it goes on the handler (list, retrieve, get), never on dispatch, so authentication,
    permissions and throttling still run on every request.

    Which query parameters a path's view reads is learned from the requests it answers: a
    parameter it has never read cannot change its answer."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        prefix = _key_prefix(request)
        known = _cache_get(_parameters_key(request))
        if known is not None:
            cached = _cache_read(_canonical(request, known), _with(prefix, known))
            if cached is not None:
                return cached
        read = ReadParameters(request.GET)
        _http_request(request).GET = read
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response

        def write(rendered):
            learned = (known or ALWAYS_READ) | (read.names if not read.all else {ALL_PARAMETERS})
            if learned != known:
                _cache_set(_parameters_key(request), learned)
            _cache_write(_canonical(request, learned), rendered, _with(prefix, learned))

        if callable(getattr(response, "render", None)) and not response.is_rendered:
            response.add_post_render_callback(write)
        else:
            write(response)
        return response

    return wrapped


def _cache_get(key: str):
    try:
        return _cache().get(key)
    except Exception:
        log.warning("the data cache could not be read", exc_info=True)
        return None


def _cache_set(key: str, value) -> None:
    try:
        _cache().set(key, value, settings.DATA_CACHE_SECONDS)
    except Exception:
        log.warning("the data cache could not be written", exc_info=True)


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
