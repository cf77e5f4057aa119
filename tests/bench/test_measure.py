import os
import resource

import pytest

from bench.measure import RECOMPUTE_GOAL, RECOMPUTE_GOALS, _worker, python_peak_mb, report
from tests.workers import live_worker


def test_a_child_process_reports_its_own_peak_not_its_parents():
    # This process holds 128 MB for a moment; a child that does nothing must not report it
    # (getrusage's ru_maxrss in the child would: Linux carries it across exec).
    held = b"x" * (128 << 20)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 >= 128
    del held

    assert python_peak_mb("pass", env=dict(os.environ)) < 64


def test_the_report_judges_a_20000_recipient_recompute_against_2x_and_a_small_one_against_3x():
    def entry(n, ratio):
        return {
            "recipients": n,
            "seconds": ratio,
            "copy_seconds": 1.0,
            "ratio": ratio,
            "goal": RECOMPUTE_GOALS.get(n, RECOMPUTE_GOAL),
        }

    lines = report(
        {"scales": {"10": {"recompute": [entry(200, 2.5), entry(20_000, 2.5)]}}}
    ).splitlines()
    assert [line.split("=")[1].strip() for line in lines if line.startswith("recompute")] == [
        "2.5x (goal 3x) met",
        "2.5x (goal 2x) MISSED",
    ]


@pytest.mark.services
def test_the_benchmark_will_not_start_its_worker_beside_another_on_its_broker():
    """A worker left running on the benchmark's broker (another run's, on another database)
    answered the benchmark's ping and took its tasks: its runs were timed on that worker and
    the landing pages were never warmed."""
    with live_worker(hostname="left-running"), pytest.raises(SystemExit, match="left-running"):
        started = _worker(dict(os.environ))
        started.terminate()  # reached only without the check
        started.wait(timeout=30)
