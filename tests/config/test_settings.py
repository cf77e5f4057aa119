import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import service_missing

BASE_DIR = Path(__file__).resolve().parents[2]


def run_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_settings({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_quick_start_runs_without_a_secret_key():
    assert run_settings({"DEBUG": "1"}).returncode == 0


def test_sqlite_uses_wal_and_immediate_transactions():
    from django.conf import settings

    options = settings.DATABASES["default"].get("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert options["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in options["init_command"]


@pytest.mark.services
@pytest.mark.django_db
def test_postgresql_connections_do_not_jit_compile_and_price_random_reads_as_on_ssd():
    if connection.vendor != "postgresql":
        service_missing("JIT is a PostgreSQL setting: run with DATABASE_URL=postgres://...")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone() == ("1.1",)


def test_a_data_cache_in_redis_uses_the_backend_that_keeps_one_client():
    shown = "from django.conf import settings; print(settings.CACHES['data']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {shown}"],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
        | {"DATA_CACHE_URL": "redis://127.0.0.1:6379/9"},
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "datacache.redis.RedisCache", result.stderr
