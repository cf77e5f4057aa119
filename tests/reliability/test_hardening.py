"""Hardening found by the attack-and-fault run (issue 18): each defect's test, beside its fix."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def test_a_log_line_is_printed_once_under_debug():
    program = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('logged-once-marker')"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr.count("logged-once-marker") == 1, result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("parameter", ["run", "tranche"])
@pytest.mark.parametrize("value", ["1.5", "1e0", "-1x"])
def test_an_id_that_is_not_a_whole_number_is_refused(client, parameter, value):
    response = client.get("/api/v1/allocations/", {parameter: value})
    assert response.status_code == 400
    assert parameter in response.json()
