import pytest

from config.celery import app as celery_app
from tests.workers import live_worker


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_runs_a_task():
    with live_worker():
        result = celery_app.send_task("config.ping")
        assert result.get(timeout=30) == "pong"
