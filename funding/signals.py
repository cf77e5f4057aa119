"""Signals for the apps that follow the funds (sources' alerts), which funding must not import."""

from django.dispatch import Signal

# Sent with `run` once a run has finished and its outcome is committed: by the worker that ran
# it, and by `recompute_allocations --wait`.
run_finished = Signal()
