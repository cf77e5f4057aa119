from django.contrib import admin

from config.admin import ReadOnlyAdmin

from .models import DataVersion


@admin.register(DataVersion)
class DataVersionAdmin(ReadOnlyAdmin):
    list_display = ("token", "changed_at")
