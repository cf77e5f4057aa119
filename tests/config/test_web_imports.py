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


AFTER_A_REQUEST_THAT_DREW_A_CHART = """
import gc
import config.wsgi
from django.core.signals import request_finished
import plotly.graph_objects  # as lib.lazy imports it at a request's first chart
tracked_before = len(gc.get_objects())
request_finished.send(sender=None)
print(tracked_before, len(gc.get_objects()), gc.get_freeze_count())
"""


def test_a_web_worker_hides_its_long_lived_objects_from_full_collections():
    """Python's full collection walks every tracked object: 80 to 130 ms a time in a worker
    with the chart library loaded. After a request that loaded modules, the worker's objects
    are frozen and only what later requests make is walked."""
    before, after, frozen = map(
        int,
        subprocess.run(
            [sys.executable, "-c", AFTER_A_REQUEST_THAT_DREW_A_CHART],
            cwd=BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split(),
    )
    assert before > 50_000
    assert frozen > 50_000
    assert after < 1_000
