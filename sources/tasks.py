"""Celery tasks: each calls a service, nothing more."""

from celery import shared_task
from django.conf import settings

from . import alerts, services


@shared_task
def ae_fetch_task() -> list[str]:
    """The scheduled check for new and revised A&E months; off unless AE_FETCH_ENABLED."""
    if not settings.AE_FETCH_ENABLED:
        return ["fetching is off (AE_FETCH_ENABLED)"]
    lines: list[str] = []
    services.ae_fetch(say=lines.append)
    return lines


# Sent after each import, run and status step that someone follows; no one reads its result.
@shared_task(ignore_result=True)
def alerts_send_task() -> int:
    return alerts.alerts_send()
