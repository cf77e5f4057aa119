"""Celery tasks: each calls a service, nothing more."""

from celery import shared_task

from . import warming


@shared_task(ignore_result=True)
def landing_pages_warm_task() -> list[str]:
    return warming.landing_pages_warm(unless_changed_within=warming.QUIET_SECONDS)
