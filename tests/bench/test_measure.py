import os
import resource

from bench.measure import python_peak_mb


def test_a_child_process_reports_its_own_peak_not_its_parents():
    # This process holds 128 MB for a moment; a child that does nothing must not report it
    # (getrusage's ru_maxrss in the child would: Linux carries it across exec).
    held = b"x" * (128 << 20)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 >= 128
    del held

    assert python_peak_mb("pass", env=dict(os.environ)) < 64
