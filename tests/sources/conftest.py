import pytest

from .months import FEBRUARY, FEBRUARY_FILE, forget
from .publisher import publisher_start


@pytest.fixture
def publisher(settings):
    """NHS England's site on a free local port; the 2025-26 landing page is its /ae-2025-26/."""
    publisher, server = publisher_start()
    settings.AE_LANDING_PAGES = {"2025-26": publisher.base + "/ae-2025-26/"}
    settings.AE_FETCH_TIMEOUT_SECONDS = 2.0
    settings.AE_FETCH_ATTEMPTS = 3
    settings.AE_FETCH_BACKOFF_SECONDS = 0.0
    yield publisher
    server.shutdown()
    server.server_close()


@pytest.fixture
def february_is_new(real_data):
    """The shipped data without February 2026, as if NHS England had just published it."""
    forget(FEBRUARY, FEBRUARY_FILE)
