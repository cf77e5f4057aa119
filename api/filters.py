import django_filters
from django import forms

from funding.models import Allocation, AllocationRun, Fund, SpendingReport
from trusts.models import Organisation


class CodeListField(forms.CharField):
    """One ODS code or a comma-separated list of up to 1,000."""

    def clean(self, value):
        text = super().clean(value) or ""
        codes = [code.strip().upper() for code in text.split(",") if code.strip()]
        if len(codes) > 1000:
            raise forms.ValidationError(f"{len(codes):,} codes; at most 1,000")
        return codes


class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number, so that 1.5 is refused rather than read as 1."""

    field_class = forms.IntegerField


class CodeListFilter(django_filters.Filter):
    field_class = CodeListField

    def filter(self, queryset, value):
        if not value:
            return queryset
        return queryset.filter(**{f"{self.field_name}__in": value})


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Organisation.Kind.choices)
    region = django_filters.CharFilter()
    code = CodeListFilter(field_name="ods_code", help_text="ODS code(s), comma-separated")
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains")
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="changed since; paged by cursor"
    )

    class Meta:
        model = Organisation
        fields = ["kind", "region"]


class AllocationFilter(django_filters.FilterSet):
    fund = django_filters.CharFilter(field_name="fund__slug", help_text="a fund's slug")
    recipient = CodeListFilter(
        field_name="recipient__ods_code", help_text="ODS code(s) of recipients, comma-separated"
    )
    recipient_kind = django_filters.ChoiceFilter(
        field_name="recipient__kind", choices=Organisation.Kind.choices
    )
    region = django_filters.CharFilter(field_name="recipient__region")
    financial_year = django_filters.CharFilter(
        method="filter_financial_year", help_text="e.g. 2013-14: funds for that year"
    )
    basis = django_filters.ChoiceFilter(choices=Allocation.Basis.choices)
    tranche = IdFilter(field_name="tranche_id")
    run = IdFilter(method="filter_run", help_text="a run's id (default: each fund's current run)")
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="run__finished_at",
        lookup_expr="gte",
        help_text="allocations of runs finished since this time, paged by cursor",
    )

    class Meta:
        model = Allocation
        fields = ["basis"]

    def filter_financial_year(self, queryset, name, value):
        # Funds are few; matching their year lists here works on SQLite and PostgreSQL alike.
        funds = [f.pk for f in Fund.objects.only("financial_years") if value in f.financial_years]
        return queryset.filter(fund_id__in=funds)

    def filter_run(self, queryset, name, value):
        return queryset.filter(run_id=value)

    @property
    def qs(self):
        rows = super().qs
        if not self.form.cleaned_data.get("run"):
            rows = rows.filter(run__is_current=True)
        return rows


class RunFilter(django_filters.FilterSet):
    fund = django_filters.CharFilter(field_name="fund__slug")
    status = django_filters.ChoiceFilter(choices=AllocationRun.Status.choices)

    class Meta:
        model = AllocationRun
        fields = ["status", "is_current"]


class SpendingFilter(django_filters.FilterSet):
    fund = django_filters.CharFilter(field_name="fund__slug")
    recipient = CodeListFilter(field_name="recipient__ods_code")
    category = django_filters.CharFilter(field_name="lines__category", distinct=True)

    class Meta:
        model = SpendingReport
        fields = ["period"]


class FundFilter(django_filters.FilterSet):
    announced_by = django_filters.ChoiceFilter(choices=Fund.Body.choices)
    route = django_filters.ChoiceFilter(choices=Fund.Route.choices)
    status = django_filters.ChoiceFilter(choices=Fund.Status.choices)
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="changed since; paged by cursor"
    )

    class Meta:
        model = Fund
        fields = ["announced_by", "route", "status"]
