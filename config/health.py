"""Liveness of the parts the product needs: the database and the Celery broker."""

from django.db import connection
from django.http import JsonResponse

from .celery import app as celery_app


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def broker_reachable(timeout: float = 2.0) -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:
        return False


def healthz(request):
    database_ok = database_reachable()
    body = {
        "status": "ok" if database_ok else "unavailable",
        "database": database_ok,
        "broker": broker_reachable(),
    }
    return JsonResponse(body, status=200 if database_ok else 503)


class LivenessMiddleware:
    """Answers GET /livez before anything reads the host or redirects to HTTPS: container
    health checks ask over plain HTTP at 127.0.0.1, which production refuses everywhere else
    (ALLOWED_HOSTS, SECURE_SSL_REDIRECT). It says only that the process answers; /healthz
    says whether the database and broker do."""

    PATH = "/livez"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == self.PATH and request.method in ("GET", "HEAD"):
            return JsonResponse({"status": "ok"})
        return self.get_response(request)
