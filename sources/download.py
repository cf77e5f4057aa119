"""Downloading from a publisher politely: a timeout, retries with back-off, a size limit.

Every refusal is a `DownloadRefused` whose message says what happened in words an analyst
can act on; nothing here touches the database.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from lib.lazy import lazy_import

if TYPE_CHECKING:
    import httpx
else:
    httpx = lazy_import("httpx")  # at the first download: lib.lazy says why

USER_AGENT = "nhs-urgent-care-funding-tracker (+https://github.com/; monthly A&E figures)"


class DownloadRefused(Exception):
    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass
class Downloaded:
    status: int
    body: bytes
    etag: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _retryable(status: int) -> bool:
    # The publisher's server being busy or restarting; a later attempt may well succeed.
    return status in (429, 500, 502, 503, 504)


def download(
    url: str,
    *,
    etag: str = "",
    max_bytes: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Downloaded:
    """GETs a URL, retrying timeouts, dropped connections and 5xx answers with back-off."""
    limit = settings.AE_FETCH_MAX_BYTES if max_bytes is None else max_bytes
    attempts = settings.AE_FETCH_ATTEMPTS
    headers = {"User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    last = _Retry("no attempt made")
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            sleep(settings.AE_FETCH_BACKOFF_SECONDS * 2 ** (attempt - 2))
        try:
            return _get_once(url, headers=headers, limit=limit)
        except _Retry as retry:
            last = retry
    raise DownloadRefused(
        f"{url}: gave up after {attempts} attempts; the last: {last}", status=last.status
    )


class _Retry(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def _get_once(url: str, *, headers: dict, limit: int) -> Downloaded:
    timeout = httpx.Timeout(settings.AE_FETCH_TIMEOUT_SECONDS)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 304:
                return Downloaded(304, b"", response.headers.get("etag", ""))
            if _retryable(response.status_code):
                raise _Retry(
                    f"HTTP {response.status_code} {response.reason_phrase}",
                    status=response.status_code,
                )
            if response.status_code != 200:
                raise DownloadRefused(
                    f"{url}: the server answered HTTP {response.status_code} "
                    f"{response.reason_phrase}",
                    status=response.status_code,
                )
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise DownloadRefused(
                    f"{url}: {int(declared):,} bytes is larger than the {limit:,} allowed "
                    "(AE_FETCH_MAX_BYTES)",
                    status=200,
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > limit:
                    raise DownloadRefused(
                        f"{url}: more than the {limit:,} bytes allowed (AE_FETCH_MAX_BYTES); "
                        "stopped reading",
                        status=200,
                    )
            return Downloaded(200, bytes(body), response.headers.get("etag", ""))
    except httpx.TimeoutException as error:
        raise _Retry(
            f"no answer within {settings.AE_FETCH_TIMEOUT_SECONDS} seconds ({type(error).__name__})"
        ) from error
    except httpx.TransportError as error:
        raise _Retry(f"could not connect ({error})") from error
