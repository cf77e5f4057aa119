"""Read-only API for fetches and revisions, in the patterns of api/: a filter, a serializer and
a viewset side by side, on a router of its own under /api/v1/."""

import django_filters
from django.urls import include, path
from rest_framework import serializers, viewsets
from rest_framework.routers import DefaultRouter

from .models import Fetch, Revision


class FetchFilter(django_filters.FilterSet):
    month = django_filters.DateFilter(help_text="the first day of a month, e.g. 2025-10-01")

    class Meta:
        model = Fetch
        fields = ["kind", "outcome", "month"]


class RevisionFilter(django_filters.FilterSet):
    class Meta:
        model = Revision
        fields = ["month"]


class FetchSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="sources-api:fetch-detail")
    # The address fetched; `url` is this record's own, as everywhere in the API.
    source_url = serializers.URLField(source="url", read_only=True)

    class Meta:
        model = Fetch
        fields = (
            "id",
            "url",
            "kind",
            "outcome",
            "source_url",
            "month",
            "started_at",
            "finished_at",
            "http_status",
            "etag",
            "sha256",
            "size_bytes",
            "rows",
            "message",
        )


class RevisionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="sources-api:revision-detail")
    fetch = serializers.HyperlinkedRelatedField(
        view_name="sources-api:fetch-detail", read_only=True
    )

    class Meta:
        model = Revision
        fields = (
            "id",
            "url",
            "month",
            "source_file",
            "replaced_files",
            "revised_at",
            "attendances_before",
            "over_4h_before",
            "attendances_after",
            "over_4h_after",
            "rows_changed",
            "rows_removed",
            "fetch",
        )


class FetchViewSet(viewsets.ReadOnlyModelViewSet):
    """Every request to NHS England's pages and files, newest first, with what came of it."""

    serializer_class = FetchSerializer
    filterset_class = FetchFilter
    ordering = ["-started_at", "-id"]
    queryset = Fetch.objects.all()


class RevisionViewSet(viewsets.ReadOnlyModelViewSet):
    """Months whose figures a later file replaced, with England's totals before and after."""

    serializer_class = RevisionSerializer
    filterset_class = RevisionFilter
    ordering = ["-revised_at", "-id"]
    queryset = Revision.objects.select_related("fetch")


router = DefaultRouter()
router.include_root_view = False
router.register("fetches", FetchViewSet, basename="fetch")
router.register("revisions", RevisionViewSet, basename="revision")

app_name = "sources-api"
urlpatterns = [path("", include(router.urls))]
