from django.contrib import admin

from .models import Fetch, Revision, SpcSignal, Subscription


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: written by fetch_ae, never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Fetch)
class FetchAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "kind", "month", "http_status", "outcome", "rows", "url")
    list_filter = ("kind", "outcome")
    search_fields = ("url", "message")


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ("month", "revised_at", "source_file", "attendances_before", "attendances_after")


@admin.register(SpcSignal)
class SpcSignalAdmin(ReadOnlyAdmin):
    list_display = ("month", "scope", "subject_name", "rule", "direction", "percent")
    list_filter = ("scope", "rule", "direction")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "organisation", "region", "fund", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("user", "organisation", "fund")
