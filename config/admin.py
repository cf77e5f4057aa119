from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows the application writes (runs, allocations, the data version): shown to
    admins, never added, changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
