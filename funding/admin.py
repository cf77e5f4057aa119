from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdmin
from trusts.importers.base import ImportFailed

from . import rules, selectors, services
from .models import (
    Allocation,
    AllocationRule,
    AllocationRun,
    Fund,
    FundSource,
    FundStatusChange,
    PublishedAllocation,
    SpendingLine,
    SpendingReport,
    Tranche,
    TrancheCondition,
)


class AllocationRuleForm(forms.ModelForm):
    reason = forms.CharField(
        max_length=100,
        required=False,
        help_text="Why the rule changes; kept in the fund's history. Required for a change.",
    )

    class Meta:
        model = AllocationRule
        fields = ("kind", "parameters")

    def clean(self):
        cleaned = super().clean()
        fund = self.instance.fund if self.instance.fund_id else None
        total = fund.total_pence if fund else None
        if "kind" in cleaned and "parameters" in cleaned:
            try:
                cleaned["parameters"] = rules.validate_parameters(
                    cleaned["kind"], cleaned["parameters"], fund_total_pence=total
                )
            except rules.ParameterError as error:
                raise forms.ValidationError(
                    {"parameters": [f"{name}: {message}" for name, message in error.errors.items()]}
                ) from error
        if self.rule_changes() and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why the rule changes: the fund's history keeps it.")
        return cleaned

    def rule_changes(self) -> bool:
        """An existing rule gets a new kind or new parameters (a new rule needs no reason)."""
        return bool(self.instance.pk) and bool({"kind", "parameters"} & set(self.changed_data))

    def rule_save(self, *, fund: Fund, user) -> AllocationRule:
        """Saves through the service, so every change is a new version with who and why."""
        return services.rule_save(
            fund=fund,
            kind=self.cleaned_data["kind"],
            parameters=self.cleaned_data["parameters"],
            reason=self.cleaned_data["reason"].strip() or "Rule entered in the admin",
            user=user,
        )


class AllocationRuleFormSet(forms.BaseInlineFormSet):
    def save_new(self, form, commit=True):
        return form.rule_save(fund=self.instance, user=self.user)

    def save_existing(self, form, obj, commit=True):
        return form.rule_save(fund=self.instance, user=self.user)


class AllocationRuleInline(admin.StackedInline):
    model = AllocationRule
    form = AllocationRuleForm
    formset = AllocationRuleFormSet
    extra = 0
    max_num = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.user = request.user
        return formset


class FundSourceInline(admin.TabularInline):
    model = FundSource
    extra = 0


class FundStatusChangeInline(admin.TabularInline):
    model = FundStatusChange
    extra = 0


class TrancheInline(admin.TabularInline):
    model = Tranche
    extra = 0
    show_change_link = True


class PublishedAllocationInline(admin.TabularInline):
    model = PublishedAllocation
    extra = 0
    raw_id_fields = ("recipient", "tranche")


class SpendingReportInline(admin.TabularInline):
    model = SpendingReport
    extra = 0
    show_change_link = True
    raw_id_fields = ("recipient",)


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV with the columns ods_code, amount (pounds), source.")
    tranche = forms.ModelChoiceField(queryset=Tranche.objects.none(), required=False)


class PreviewForm(forms.Form):
    kind = forms.ChoiceField(choices=AllocationRule.Kind.choices)
    parameters = forms.JSONField()


@admin.register(Fund)
class FundAdmin(SimpleHistoryAdmin):
    list_display = ("name", "announced_by", "announced_on", "total_pounds", "route", "status")
    list_filter = ("announced_by", "status", "route", "money_kind")
    search_fields = ("name", "slug", "purpose")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [
        FundSourceInline,
        FundStatusChangeInline,
        TrancheInline,
        AllocationRuleInline,
        PublishedAllocationInline,
        SpendingReportInline,
    ]
    actions = ["recompute"]

    @admin.display(description="Total", ordering="total_pence")
    def total_pounds(self, fund):
        return rules.format_pounds(fund.total_pence)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.fund_status_date(
            fund=form.instance, on=timezone.localdate(), note=f"set in the admin by {request.user}"
        )
        run = services.fund_recompute_request(
            fund=form.instance, triggered_by=f"admin save by {request.user}"
        )
        if run:
            self.message_user(request, f"Recompute requested (run {run.pk}).")

    @admin.action(description="Recompute allocations", permissions=["recompute"])
    def recompute(self, request, queryset):
        for fund in queryset:
            services.fund_recompute_request(
                fund=fund, triggered_by=f"admin action by {request.user}"
            )
        self.message_user(request, f"Recompute requested for {queryset.count()} fund(s).")

    def has_recompute_permission(self, request):
        return request.user.has_perm("funding.recompute_fund")

    def get_urls(self):
        return [
            path(
                "<int:fund_id>/upload/",
                self.admin_site.admin_view(self.upload_view),
                name="funding_fund_upload",
            ),
            path(
                "<int:fund_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="funding_fund_preview",
            ),
            *super().get_urls(),
        ]

    def _fund_for_change(self, request, fund_id) -> Fund:
        fund = get_object_or_404(Fund, pk=fund_id)
        if not self.has_change_permission(request, fund):
            raise PermissionDenied
        return fund

    def history_view(self, request, object_id, extra_context=None):
        """One history for the fund and everything it owns, readable without the database."""
        fund = get_object_or_404(Fund, pk=object_id)
        if not self.has_view_or_change_permission(request, fund):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/funding/fund/fund_history.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": fund,
                "fund": fund,
                "entries": selectors.fund_history(fund=fund),
                "title": f"History: {fund.name}",
            },
        )

    def upload_view(self, request, fund_id):
        """Replaces the fund's published allocations from a CSV, all or nothing."""
        fund = self._fund_for_change(request, fund_id)
        form = UploadForm(request.POST or None, request.FILES or None)
        form.fields["tranche"].queryset = fund.tranches.all()
        problems = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.published_allocations_import(
                    fund=fund,
                    content=upload.read(),
                    file_name=upload.name,
                    tranche=form.cleaned_data["tranche"],
                )
            except ImportFailed as failure:
                problems = [str(error) for error in failure.errors]
            else:
                self.message_user(
                    request,
                    f"{result.created} published allocations saved "
                    f"({result.replaced} replaced); recompute requested.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:funding_fund_change", args=[fund.pk]))
        return TemplateResponse(
            request,
            "admin/funding/fund/upload.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "fund": fund,
                "form": form,
                "problems": problems,
                "title": f"Upload published allocations: {fund.name}",
            },
        )

    def preview_view(self, request, fund_id):
        """What a rule would allocate, computed without saving anything."""
        fund = self._fund_for_change(request, fund_id)
        rule = getattr(fund, "rule", None)
        initial = {"kind": rule.kind, "parameters": rule.parameters} if rule else {}
        form = PreviewForm(request.POST or None, initial=initial)
        shares, error = [], ""
        if request.method == "POST" and form.is_valid():
            try:
                shares = services.allocation_preview(
                    fund=fund,
                    kind=form.cleaned_data["kind"],
                    parameters=form.cleaned_data["parameters"],
                )
            except rules.ParameterError as failure:
                for name, message in failure.errors.items():
                    form.add_error("parameters", f"{name}: {message}")
            except rules.RuleError as failure:
                error = str(failure)
        return TemplateResponse(
            request,
            "admin/funding/fund/preview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "fund": fund,
                "form": form,
                "shares": shares,
                "total": rules.format_pounds(sum(s.amount_pence for s in shares)),
                "error": error,
                "title": f"Preview allocations: {fund.name}",
            },
        )


class TrancheConditionInline(admin.TabularInline):
    model = TrancheCondition
    extra = 0


@admin.register(Tranche)
class TrancheAdmin(SimpleHistoryAdmin):
    list_display = (
        "fund",
        "name",
        "amount_pence",
        "financial_year",
        "due_on",
        "performance_linked",
    )
    list_filter = ("performance_linked", "missed_condition_policy")
    inlines = [TrancheConditionInline]


class SpendingLineInline(admin.TabularInline):
    model = SpendingLine
    extra = 0


@admin.register(SpendingReport)
class SpendingReportAdmin(SimpleHistoryAdmin):
    list_display = ("fund", "recipient", "period", "allocation_pence", "uncommitted_pence")
    raw_id_fields = ("recipient",)
    inlines = [SpendingLineInline]


@admin.register(AllocationRule)
class AllocationRuleAdmin(SimpleHistoryAdmin):
    form = AllocationRuleForm
    list_display = ("fund", "kind", "version", "updated_at")

    def save_model(self, request, obj, form, change):
        saved = form.rule_save(fund=obj.fund, user=request.user)
        obj.pk, obj.version = saved.pk, saved.version


@admin.register(PublishedAllocation)
class PublishedAllocationAdmin(SimpleHistoryAdmin):
    list_display = ("fund", "recipient", "tranche", "amount_pence", "source")
    list_filter = ("fund",)
    raw_id_fields = ("recipient", "tranche")


@admin.register(AllocationRun)
class AllocationRunAdmin(ReadOnlyAdmin):
    list_display = (
        "fund",
        "pk",
        "status",
        "is_current",
        "triggered_by",
        "requested_at",
        "duration",
        "recipient_count",
        "total_pence",
    )
    list_filter = ("status", "is_current", "fund")


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("fund", "recipient", "basis", "amount_pence", "rank", "run")
    list_filter = ("basis", "fund")
    search_fields = ("recipient__ods_code", "recipient__name")
    list_select_related = ("fund", "recipient", "run")
