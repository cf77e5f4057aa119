"""The suite's own order (tests/conftest.py): the tests that flush the database run last, and
a file that mixes them with other tests is refused when workers take whole files."""

from types import SimpleNamespace

import pytest

from tests.conftest import marks_by_fixtures, transactional, transactional_last


def item(nodeid: str, *, marker=None, fixtures=()):
    return SimpleNamespace(
        nodeid=nodeid,
        fixturenames=["_django_db_helper", *fixtures],
        get_closest_marker=lambda name: marker if name == "django_db" else None,
    )


def config(dist: str):
    return SimpleNamespace(getoption=lambda name, default=None: dist)


FLUSHING = pytest.mark.django_db(transaction=True).mark
ROLLED_BACK = pytest.mark.django_db.mark


def test_a_test_flushes_the_database_by_its_mark_or_its_fixtures():
    assert transactional(item("a.py::t", marker=FLUSHING))
    assert transactional(item("a.py::t", marker=pytest.mark.django_db(True).mark))
    assert transactional(item("a.py::t", marker=pytest.mark.django_db(reset_sequences=True).mark))
    assert transactional(item("a.py::t", fixtures=["live_server"]))
    assert transactional(item("a.py::t", fixtures=["transactional_db"]))
    assert not transactional(item("a.py::t", marker=ROLLED_BACK))
    assert not transactional(item("a.py::t", fixtures=["db", "real_data"]))
    assert not transactional(item("a.py::t"))


def test_the_flushing_tests_run_after_the_browser_tests_in_their_order():
    items = [
        item("rolled_back.py::one", marker=ROLLED_BACK),
        item("worker.py::one", marker=FLUSHING),
        item("worker.py::two", marker=FLUSHING),
        item("browser.py::one", fixtures=["page", "real_data"]),
        item("pure.py::one"),
    ]
    transactional_last(config("loadfile"), items)
    assert [i.nodeid for i in items] == [
        "rolled_back.py::one",
        "browser.py::one",
        "pure.py::one",
        "worker.py::one",
        "worker.py::two",
    ]


def test_a_file_mixing_the_two_kinds_is_refused_when_workers_take_whole_files():
    items = [
        item("mixed.py::flushes", marker=FLUSHING),
        item("mixed.py::reads", marker=ROLLED_BACK),
    ]
    with pytest.raises(pytest.UsageError, match=r"mixed\.py"):
        transactional_last(config("loadfile"), list(items))
    # One test at a time, a worker still runs them in the suite's order.
    transactional_last(config("load"), items)
    assert [i.nodeid for i in items] == ["mixed.py::reads", "mixed.py::flushes"]


def test_a_test_is_marked_by_the_fixtures_it_uses_not_by_a_parameter_named_like_one():
    uses_the_browser = item("b.py::t", fixtures=["page", "real_data"])
    numbers_its_pages = item("a.py::t[2]", fixtures=["page", "client"])
    numbers_its_pages.callspec = SimpleNamespace(params={"page": "2"})

    assert marks_by_fixtures(uses_the_browser) == {"browser", "national"}
    assert marks_by_fixtures(numbers_its_pages) == set()
