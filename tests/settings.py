"""The project's settings with what only tests want: a fast hasher, no HTTPS redirect."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
if "STATIC_COLLECTED" not in os.environ:
    # Pages render without a collected manifest; the browser tests' site collects its own.
    STORAGES["staticfiles"] = {  # noqa: F405
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }

# Several test sessions may run side by side on one machine (and beside a quick-start
# worker): each gets its own test database and its own Celery queue.
_session = os.environ.get("TEST_SESSION", "")
if "TEST" in DATABASES["default"] and _session:  # noqa: F405
    DATABASES["default"]["TEST"]["NAME"] = str(VAR_DIR / f"test-db-{_session}.sqlite3")  # noqa: F405
# pytest-xdist's workers (`make test`) are sessions of their own too: pytest-django suffixes
# the test database's name for each, and the queue and cache keys carry the worker's name.
_session += os.environ.get("PYTEST_XDIST_WORKER", "")
CELERY_TASK_DEFAULT_QUEUE = f"tests{_session}"

# A data cache in Redis may be shared: this session's keys carry its own prefix, so that
# clearing them between tests (tests/conftest.py) leaves every other key alone.
CACHES["data"]["KEY_PREFIX"] = f"tests{_session}-data"  # noqa: F405

# The data cache runs in tests as in production, even from a shell with DEBUG=1.
if CACHES["data"]["BACKEND"].endswith("DummyCache"):  # noqa: F405
    CACHES["data"] = {  # noqa: F405
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "data",
        "KEY_PREFIX": "data",
    }

if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    # A commit returns without waiting for the disk. Tests commit thousands of times (admin
    # saves, runs, imports, each flush) and none tests what a crash of the shared server would
    # lose; the clusters tests start for themselves run with fsync off. Three commit-heavy
    # files took 81 to 109 s against 102 to 124 s.
    DATABASES["default"]["OPTIONS"]["options"] += " -c synchronous_commit=off"  # noqa: F405
