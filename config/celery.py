import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def connections_kept_as_between_requests(task=None, **kwargs) -> None:
    """A worker keeps its database connection from task to task as the web process does from
    request to request: CONN_MAX_AGE decides, and a connection that failed, or was lost
    while idle, is checked and replaced before the next task uses it (CONN_HEALTH_CHECKS).
    Not around a task run eagerly, inside its caller's transaction (a test's, a shell's):
    that connection is the caller's."""
    if not getattr(task.request, "is_eager", False):
        close_old_connections()


@app.task(name="config.ping")
def ping() -> str:
    """Answers "pong": lets health checks and tests prove a worker is consuming."""
    return "pong"
