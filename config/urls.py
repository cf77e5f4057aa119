from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from .health import healthz


def favicon(request):
    """What browsers ask for on a response with no icon link (API JSON, a CSV, the browsable
    API). The icon's hashed name is read per request: at import, before collectstatic, the
    manifest may not exist yet."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("api/v1/", include("sources.api")),
    path("api/v1/", include("api.urls")),
    path("", include("sources.urls")),
    path("", include("dashboards.urls")),
]

handler404 = "api.errors.not_found"
