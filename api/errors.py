"""A request under /api/ that matches no route is answered in JSON, as every other API
error is, not with the site's HTML page."""

from django.http import JsonResponse
from django.views.defaults import page_not_found

API_PREFIX = "/api/"


def not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
