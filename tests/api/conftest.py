import pytest

from tests.live import served


@pytest.fixture(scope="module")
def demo_site(demo_data, django_db_blocker, tmp_path_factory):
    """The demo funds, committed, served by gunicorn as in production. A module using it marks
    its tests `django_db`, so that this session's test database is set up."""
    with (
        django_db_blocker.unblock(),
        served("gunicorn", static_root=str(tmp_path_factory.mktemp("static"))) as base,
    ):
        yield base
