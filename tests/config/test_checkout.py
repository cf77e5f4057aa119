"""A checkout runs its commands with nothing set, while the web server and the workers still
refuse to start without a secret; and importing the settings writes nothing to disk."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
DEV_KEY_PREFIX = "django-insecure-development-only"


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Runs Python in the checkout with an environment holding only PATH, as a fresh shell
    without the project's variables would."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_management_command_runs_from_a_checkout_with_nothing_set():
    result = run(["manage.py", "check"])
    assert result.returncode == 0, result.stderr
    assert "SECRET_KEY" not in result.stderr


def test_manage_py_uses_a_key_marked_for_development_only_and_leaves_debug_off():
    shown = "from django.conf import settings; print(settings.SECRET_KEY, settings.DEBUG)"
    result = run(["manage.py", "shell", "-c", shown])
    assert result.returncode == 0, result.stderr
    # The last line: Django's shell first says what it imported.
    key, debug = result.stdout.splitlines()[-1].split()
    assert key.startswith(DEV_KEY_PREFIX) and debug == "False"


def test_manage_py_uses_the_secret_key_it_is_given():
    shown = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = run(["manage.py", "shell", "-c", shown], {"SECRET_KEY": "a-deployment-secret"})
    assert result.stdout.splitlines()[-1] == "a-deployment-secret"


def test_the_web_server_refuses_to_start_without_a_secret_key():
    result = run(["-c", "import config.wsgi"])
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_celery_process_refuses_to_start_without_a_secret_key():
    result = run(["-c", "from config.celery import app; app.conf.broker_url"])
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_importing_the_settings_makes_no_folder_and_starting_django_does(tmp_path):
    static_root = tmp_path / "collected"
    check = (
        "import pathlib, django, config.settings as s; "
        "print(pathlib.Path(s.STATIC_ROOT).exists()); "
        "django.setup(); print(pathlib.Path(s.STATIC_ROOT).exists())"
    )
    env = {
        "SECRET_KEY": "tests-only",
        "STATIC_ROOT": str(static_root),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = run(["-c", check], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
