"""Shared fixtures: named personas, and access to the real services.

Tests that need a service are marked `services`. They skip when the service is
missing on a newcomer's machine, and fail instead when REQUIRE_SERVICES=1 (CI).
Tests are marked `national`, `browser` and `services` by the fixtures they use (see
pytest_collection_modifyitems), so `make test` can leave the slow ones out.
"""

import os

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1, so this is a failure, not a skip)")
    pytest.skip(reason)


# What a fixture needs, by name, wherever in a test's chain of fixtures it appears: a new test
# using one of them is classified without a mark of its own.
MARKS_BY_FIXTURE = {
    # The whole national data set, imported into the test database.
    "real_data": "national",
    # Debian's chromium driven by playwright.
    "browser": "browser",
    "page": "browser",
    # A server or worker in another process.
    "live_server": "services",
    "live_site": "services",
    "demo_site": "services",
    "site": "services",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for mark in marks_by_fixtures(item):
            item.add_marker(mark)
    transactional_last(config, items)


def marks_by_fixtures(item) -> set[str]:
    """The marks of the fixtures a test uses. The names it is parametrized by are left out: a
    page number parametrized as `page` is not playwright's page (the suite parametrizes no
    fixture indirectly)."""
    callspec = getattr(item, "callspec", None)
    parametrized = set(callspec.params) if callspec else set()
    used = set(item.fixturenames) - parametrized
    return {MARKS_BY_FIXTURE[fixture] for fixture in used & MARKS_BY_FIXTURE.keys()}


def transactional(item) -> bool:
    """Whether pytest-django runs this test outside a rolled-back transaction, flushing every
    table when it ends (the national data set with them)."""
    from pytest_django.plugin import validate_django_db

    marker = item.get_closest_marker("django_db")
    transaction, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    return bool(
        transaction
        or reset_sequences
        or {"transactional_db", "live_server"} & set(item.fixturenames)
    )


def transactional_last(config, items) -> None:
    """Runs the tests that flush the database after every other test, browser tests included.

    pytest-django runs them before the tests that use no database of their own, so the
    browser tests, which serve the national data set from another process, had it imported a
    second time (45 s on PostgreSQL). With one file per worker (`make test SUITE=all`), a
    worker takes files in this order, so a file must not mix the two kinds: its flush would
    come in the middle of the other files that worker runs."""
    items.sort(key=transactional)
    if config.getoption("dist", "no") not in ("loadfile", "loadscope"):
        return
    kinds_by_file: dict[str, set[bool]] = {}
    for item in items:
        kinds_by_file.setdefault(item.nodeid.split("::")[0], set()).add(transactional(item))
    mixed = sorted(path for path, kinds in kinds_by_file.items() if len(kinds) > 1)
    if mixed:
        raise pytest.UsageError(
            "These files mix tests that flush the database (django_db(transaction=True), "
            f"live_server) with tests that do not; split them: {', '.join(mixed)}"
        )


@pytest.fixture
def analyst(django_user_model):
    """Reads everything, changes nothing."""
    return django_user_model.objects.create_user("alice", password="alice-pass")


@pytest.fixture
def fund_admin(django_user_model):
    """Enters announcements and recomputes allocations: a member of the fund admins' group,
    made here if this database does not have it yet (loading the demo makes it, and a
    transactional test's flush removes it)."""
    from funding.services import fund_admin_group_ensure

    user = django_user_model.objects.create_user("bob", password="bob-pass", is_staff=True)
    fund_admin_group_ensure().user_set.add(user)
    return user


@pytest.fixture
def staff(django_user_model):
    """Staff (may log in to the admin) but not a fund admin: may see the admin, change nothing."""
    return django_user_model.objects.create_user("erin", password="erin-pass", is_staff=True)


@pytest.fixture
def outsider(django_user_model):
    """Has an account but no business with the funds."""
    return django_user_model.objects.create_user("charlie", password="charlie-pass")


@pytest.fixture
def superuser(django_user_model):
    """Can do anything, whatever groups it is in."""
    return django_user_model.objects.create_superuser("dora", password="dora-pass")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings) -> str:
    """pytest-django's (a suffix for each xdist worker's test database), then the name of the
    database the settings give, before a test database takes its place."""
    from django.db import connection

    return connection.settings_dict["NAME"]


@pytest.fixture(scope="session")
def test_database(
    django_db_modify_db_settings,
    django_db_setup,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
):
    """The test database, for fixtures that write outside any test (the national data, the
    demo funds) and for servers in other processes.

    pytest-django sets it up only when a selected test asks for it, by mark or by fixture, and
    a browser test asks for neither: the site it drives has a connection of its own. Run alone,
    such a test wrote the national data to the database DATABASE_URL names, a developer's own,
    and the demo fixture then deleted every fund in it."""
    from django.db import DEFAULT_DB_ALIAS, connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"] != django_db_modify_db_settings:
        yield
        return
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=0,
            interactive=False,
            aliases={DEFAULT_DB_ALIAS},
            keepdb=django_db_keepdb and not django_db_createdb,
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session")
def real_data(test_database, django_db_blocker):
    """The real public data we ship, imported once into the test database.

    It stays in the test database between runs (--reuse-db) and is skipped when the
    same files were imported before by the same importer code, so only the first run pays
    for it, and a change to the importers is always what these tests test.
    """
    from trusts.services import shipped_data_load

    with django_db_blocker.unblock():
        shipped_data_load(say=lambda line: None)


@pytest.fixture(scope="module")
def module_transaction(test_database, django_db_blocker):
    """A transaction around a module's tests, rolled back when the module ends: Django's
    setUpTestData for pytest. What a module-scoped fixture writes in it (seed_funds) each test
    sees; each test's own transaction is nested in it, so a test undoes only its own writes.
    No other process sees what it holds, and a module that uses it must not flush the
    database (transactional tests)."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def seed_funds(real_data, module_transaction, django_db_blocker) -> None:
    """The seed funds on the national data, written once for a module's tests (a quarter of a
    second each time, and some 200 tests need them). From the first test that asks for them to
    the module's end, every test of the module sees them, whether it asks or not."""
    from funding.seed import demo_funds_seed

    with django_db_blocker.unblock():
        demo_funds_seed()


@pytest.fixture
def winter(seed_funds):
    """The seed's winter fund, A&E winter pressures 2013-14."""
    from funding.models import Fund

    return Fund.objects.get(slug="ae-winter-2013-14")


@pytest.fixture(scope="module")
def computed(seed_funds, django_db_blocker) -> None:
    """The seed funds with the current runs of the winter fund, its second wave and the
    emerging CCGs' fund, once for a module's tests: for the tests about the real numbers."""
    from funding import services
    from funding.models import AllocationRun, Fund

    with django_db_blocker.unblock():
        for slug in (
            "ae-winter-2013-14",
            "ae-winter-second-wave-2013-14",
            "emerging-ccgs-winter-2011-12",
        ):
            fund = Fund.objects.get(slug=slug)
            services.allocation_run_start(
                run=AllocationRun.objects.create(fund=fund, triggered_by="test")
            )


@pytest.fixture(scope="session")
def static_collected(tmp_path_factory, worker_id) -> str:
    """The static files collected once for every server a test run starts, however many
    workers it has: the first worker to need them collects them into the run's temporary
    folder, which the workers share, while the others wait (pytest-xdist's recipe)."""
    import fcntl

    from tests.live import static_collect

    if worker_id == "master":
        root = str(tmp_path_factory.mktemp("static"))
        static_collect(root)
        return root
    shared = tmp_path_factory.getbasetemp().parent
    root = shared / "static"
    with open(shared / "static.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # The manifest is written last: without it, a collection was cut short.
        if not (root / "staticfiles.json").exists():
            static_collect(str(root))
    return str(root)


@pytest.fixture(scope="module")
def demo_data(real_data, django_db_blocker):
    """The seed funds and their current allocations, committed, for a module whose tests read
    them across requests or from another process; removed afterwards, so that every other
    test starts from the shipped data alone."""
    from django.db import connection

    from funding.demo import demo_data_load
    from funding.models import Fund

    if connection.in_atomic_block:
        raise pytest.UsageError(
            "demo_data commits what it loads for other processes to read: it cannot share a "
            "module with module_transaction (seed_funds, computed), which would hold it uncommitted"
        )
    with django_db_blocker.unblock():
        demo_data_load(say=lambda line: None)
    yield
    with django_db_blocker.unblock():
        # Waves first: a fund cannot go while a wave still points at it.
        Fund.objects.filter(parent__isnull=False).delete()
        Fund.objects.all().delete()


@pytest.fixture(autouse=True)
def cache_cleared():
    """Each test starts with nothing cached: a rolled-back test's pages must not reach the next."""
    from django.core.cache import caches

    for cache in caches.all():
        cache_clear(cache)


def cache_clear(cache) -> None:
    """Empties a cache of this session's entries only: Django's clear() on Redis flushes the
    whole database, which other programs (a broker, another session) may be using."""
    from django.core.cache.backends.redis import RedisCache

    if not isinstance(cache, RedisCache):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match=f"{cache.key_prefix}:*"):
        client.delete(key)


@pytest.fixture
def version_writes(db):
    """For each write of the data version's row from here on, whether a transaction was open
    around it: a write inside one is carried by its commit, one outside is a commit of its own."""
    from django.db import connection

    from datacache import versions
    from datacache.models import DataVersion

    writes: list[bool] = []

    def record(execute, sql, params, many, context):
        if sql.startswith(f'UPDATE "{DataVersion._meta.db_table}"'):
            writes.append(connection.in_atomic_block)
        return execute(sql, params, many, context)

    versions.data_version()  # the row, on a flushed database
    with connection.execute_wrapper(record):
        yield writes
