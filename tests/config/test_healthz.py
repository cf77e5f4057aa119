from unittest import mock

import pytest


@pytest.mark.django_db
def test_it_reports_database_and_broker(client):
    with mock.patch("config.health.broker_reachable", return_value=True):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "broker": True}


@pytest.mark.django_db
def test_it_answers_503_when_the_database_is_down(client):
    with mock.patch("config.health.database_reachable", return_value=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] is False


@pytest.mark.django_db
def test_it_says_when_the_broker_is_unreachable(client, settings):
    from config.celery import app

    with mock.patch.object(app, "connection_for_write", side_effect=OSError("refused")):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] is False
