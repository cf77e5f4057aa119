"""A web worker loads no statistics, chart or download library until a request needs one: a
worker that serves the API or the CSV export stays small (issue 20's memory goal)."""

import os
import subprocess
import sys

from tests.workers import BASE_DIR

# numpy, statsmodels (with scipy and pandas) and plotly are for the analyses and charts;
# httpx for fetching new files.
HEAVY = ("numpy", "statsmodels", "scipy", "pandas", "plotly", "httpx")

LOAD_THE_WEB_APP = """
import sys
import config.wsgi  # what gunicorn loads
from django.urls import get_resolver
get_resolver().resolve("/api/v1/allocations/csv/")  # every app's URLs and views
print(" ".join(name for name in sys.argv[1:] if name in sys.modules))
"""


def test_a_web_worker_starts_without_the_statistics_and_chart_libraries():
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_THE_WEB_APP, *HEAVY],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert loaded == []
