"""A real Celery worker process for tests, on the configured broker and test database."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from config.celery import app as celery_app
from config.health import broker_reachable
from tests.conftest import service_missing

BASE_DIR = Path(__file__).resolve().parent.parent


def worker_database_url() -> str:
    """The URL of the database this test session uses, for a worker in another process."""
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@contextmanager
def live_worker(
    concurrency: int = 1,
    hostname: str = "tests",
    extra_env: dict[str, str] | None = None,
    beat_schedule: Path | None = None,
):
    """Starts `celery worker` in a subprocess and waits until it answers a ping; with
    `beat_schedule`, the worker runs the scheduler too, keeping its state in that file."""
    if not broker_reachable():
        service_missing(f"the Celery broker at {celery_app.conf.broker_url} is not reachable")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": worker_database_url(),
        # The broker and result store this process uses, even if a test pointed it elsewhere
        # (the write URL: Celery answers broker_url from the environment, whatever was set).
        "CELERY_BROKER_URL": celery_app.conf.broker_write_url,
        "CELERY_RESULT_BACKEND": str(celery_app.conf.result_backend),
        **(extra_env or {}),
    }
    beat = ["--beat", "--schedule", str(beat_schedule)] if beat_schedule else []
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--queues",
            celery_app.conf.task_default_queue,
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--hostname",
            f"{hostname}-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
            *beat,
        ],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the worker exited early with code {process.returncode}")
            try:
                celery_app.send_task("config.ping").get(timeout=5)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
