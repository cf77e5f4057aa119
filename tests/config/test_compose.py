"""The production shape in docker-compose.yml: health checks that can pass, and a page cache
that cannot crowd out the broker."""

from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def _host(url: str) -> str:
    return url.split("://", 1)[1].split(":", 1)[0]


def test_the_page_cache_is_a_bounded_redis_apart_from_the_broker():
    environment = COMPOSE["x-django"]["environment"]
    cache, broker = _host(environment["DATA_CACHE_URL"]), _host(environment["CELERY_BROKER_URL"])
    assert cache != broker
    cache_command = COMPOSE["services"][cache]["command"]
    assert "--maxmemory 256mb" in cache_command and "allkeys-lru" in cache_command
    assert "noeviction" in COMPOSE["services"][broker]["command"]


def test_the_web_health_check_asks_the_liveness_path():
    assert "/livez" in " ".join(COMPOSE["services"]["web"]["healthcheck"]["test"])


@pytest.mark.django_db
def test_the_liveness_path_answers_plain_http_on_any_host_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["funding.example.org"]
    # What the compose check sends: plain HTTP to 127.0.0.1 inside the container.
    assert client.get("/healthz", HTTP_HOST="127.0.0.1:8000").status_code in (301, 400)
    response = client.get("/livez", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
