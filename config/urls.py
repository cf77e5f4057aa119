from django.contrib import admin
from django.urls import include, path

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("sources.api")),
    path("api/v1/", include("api.urls")),
    path("", include("sources.urls")),
    path("", include("dashboards.urls")),
]

handler404 = "api.errors.not_found"
