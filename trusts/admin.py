from django.contrib import admin

from .models import (
    AdmissionWaits,
    AEActivity,
    AENationalMonth,
    BaselineBudget,
    FoundationTrustStatus,
    Organisation,
    OrganisationName,
    Population,
    SourceFile,
    Succession,
)
from .summaries import ae_summaries_refresh


class OrganisationNameInline(admin.TabularInline):
    model = OrganisationName
    extra = 0
    fields = ("name", "valid_from", "valid_to", "source")


class FoundationTrustStatusInline(admin.TabularInline):
    model = FoundationTrustStatus
    extra = 0


class PopulationInline(admin.TabularInline):
    model = Population
    extra = 0


class BaselineBudgetInline(admin.TabularInline):
    model = BaselineBudget
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("ods_code", "name", "kind", "region", "opened_on", "closed_on")
    list_filter = ("kind", "region")
    search_fields = ("ods_code", "name", "names__name")
    raw_id_fields = ("parent",)
    inlines = [
        OrganisationNameInline,
        FoundationTrustStatusInline,
        PopulationInline,
        BaselineBudgetInline,
    ]


@admin.register(Succession)
class SuccessionAdmin(admin.ModelAdmin):
    list_display = ("predecessor", "successor", "effective_on", "kind", "share_percent")
    list_filter = ("kind",)
    search_fields = ("predecessor__ods_code", "successor__ods_code")
    raw_id_fields = ("predecessor", "successor")


@admin.register(AEActivity)
class AEActivityAdmin(admin.ModelAdmin):
    list_display = (
        "organisation",
        "grain",
        "period_end",
        "department_type",
        "attendances",
        "over_4h",
        "over_4h_derived",
        "source_file",
        "source_line",
    )
    list_filter = ("grain", "department_type", "over_4h_derived")
    search_fields = ("organisation__ods_code", "organisation__name")
    date_hierarchy = "period_end"
    raw_id_fields = ("organisation",)
    list_select_related = ("organisation",)

    # A figure corrected or removed here is summed again with its month, in the admin's own
    # transaction, as an import's are (trusts.summaries).
    def save_model(self, request, obj, form, change):
        before = AEActivity.objects.filter(pk=obj.pk).values_list("period_end", flat=True)
        months = [*before, obj.period_end]
        super().save_model(request, obj, form, change)
        ae_summaries_refresh(months=months)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        ae_summaries_refresh(months=[obj.period_end])

    def delete_queryset(self, request, queryset):
        months = list(queryset.values_list("period_end", flat=True).distinct())
        super().delete_queryset(request, queryset)
        ae_summaries_refresh(months=months)


@admin.register(AENationalMonth)
class AENationalMonthAdmin(admin.ModelAdmin):
    list_display = ("month", "attendances", "over_4h", "basis", "source_file", "source_line")
    list_filter = ("basis",)
    date_hierarchy = "month"


@admin.register(AdmissionWaits)
class AdmissionWaitsAdmin(admin.ModelAdmin):
    list_display = ("organisation", "grain", "period_end", "dta_4_to_12h", "dta_over_12h")
    list_filter = ("grain",)
    search_fields = ("organisation__ods_code",)
    raw_id_fields = ("organisation",)
    list_select_related = ("organisation",)


@admin.register(SourceFile)
class SourceFileAdmin(admin.ModelAdmin):
    list_display = ("name", "format", "rows", "imported_at")
    readonly_fields = ("name", "sha256", "format", "rows", "imported_at")
