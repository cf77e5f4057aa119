import datetime as dt

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from funding.models import Allocation, AllocationRemoval, AllocationRun, Fund, SpendingReport
from funding.rules import financial_year_checked
from funding.selectors import fund_ids
from trusts.models import Organisation
from trusts.selectors import named


class CodeListField(forms.CharField):
    """One ODS code or a comma-separated list of up to 1,000."""

    def clean(self, value):
        text = super().clean(value) or ""
        codes = [code.strip().upper() for code in text.split(",") if code.strip()]
        if len(codes) > 1000:
            raise forms.ValidationError(f"{len(codes):,} codes; at most 1,000")
        return codes


class CodeListFilter(django_filters.Filter):
    field_class = CodeListField

    def filter(self, queryset, value):
        if not value:
            return queryset
        return queryset.filter(**{f"{self.field_name}__in": value})


class TrueOrFalseField(forms.Field):
    """true or false (1 or 0, any case): anything else is refused, where the usual yes/no
    widget read it as "not asked" and listed everything."""

    widget = forms.TextInput
    WORDS = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return self.WORDS[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(f"{value!r}: write true or false") from None


@extend_schema_field(OpenApiTypes.BOOL)
class TrueOrFalseFilter(django_filters.BooleanFilter):
    field_class = TrueOrFalseField


class FundSlugField(forms.CharField):
    """A fund's slug, cleaned to the fund's id, and with `waves` its waves' ids too, read in one
    query: a whole fund read for its id, then its waves', were two of a one-fund list's five."""

    def __init__(self, *, waves: bool = False, **kwargs):
        self.waves = waves
        super().__init__(**kwargs)

    def clean(self, value):
        slug = super().clean(value)  # stripped, as a CharField is
        if not slug:
            return None
        ids = fund_ids(slug, waves=self.waves)
        if not ids:
            raise forms.ValidationError(f"no fund has the slug {slug!r}")
        return ids


class FundSlugFilter(django_filters.CharFilter):
    """A fund by its slug: a slug no fund has is refused, naming it (an empty list would read
    as "this fund has none"). With `waves`, a fund announced in waves gives its waves' rows
    too, as its totals count them."""

    field_class = FundSlugField

    def __init__(self, *, waves: bool = False, **kwargs):
        kwargs.setdefault(
            "help_text",
            "a fund's slug; a fund announced in waves gives its waves' rows too"
            if waves
            else "a fund's slug",
        )
        super().__init__(field_name="fund_id", lookup_expr="in", waves=waves, **kwargs)


class FinancialYearField(forms.CharField):
    """An NHS financial year as the funds list them: 2013-14."""

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return ""
        try:
            return financial_year_checked(text)
        except ValueError:
            raise forms.ValidationError(f"{text!r}: write a financial year as 2013-14") from None


class FinancialYearFilter(django_filters.CharFilter):
    field_class = FinancialYearField


class UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time, turned to UTC: ISO allows offsets PostgreSQL refuses (beyond 15:59)."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError("out of range") from None


class SinceFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number (NumberFilter alone takes 1.5 and drops the fraction) that
    the database can hold (a larger one was a server error)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra.update(min_value=1, max_value=2**63 - 1)


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Organisation.Kind.choices)
    region = django_filters.CharFilter()
    code = CodeListFilter(field_name="ods_code", help_text="ODS code(s), comma-separated")
    name = django_filters.CharFilter(
        method="filter_name",
        help_text="words of the name, now or before; case, apostrophes and punctuation do not "
        "matter",
    )
    updated_since = SinceFilter(
        field_name="updated_at", lookup_expr="gte", help_text="changed since; paged by cursor"
    )

    class Meta:
        model = Organisation
        fields = ["kind", "region"]

    def filter_name(self, queryset, name, value):
        return queryset.filter(named(value))


class AllocationFilter(django_filters.FilterSet):
    fund = FundSlugFilter(waves=True)
    recipient = CodeListFilter(
        field_name="recipient__ods_code", help_text="ODS code(s) of recipients, comma-separated"
    )
    recipient_kind = django_filters.ChoiceFilter(
        field_name="recipient__kind", choices=Organisation.Kind.choices
    )
    region = django_filters.CharFilter(field_name="recipient__region")
    financial_year = FinancialYearFilter(
        method="filter_financial_year", help_text="e.g. 2013-14: funds for that year"
    )
    basis = django_filters.ChoiceFilter(choices=Allocation.Basis.choices)
    tranche = IdFilter(field_name="tranche_id")
    run = IdFilter(method="filter_run", help_text="a run's id (default: each fund's current run)")
    updated_since = SinceFilter(
        field_name="changed_at",
        lookup_expr="gte",
        help_text=(
            "rows that changed since this time (a new amount, rank, rationale or intermediary, "
            "or new to the fund), paged by cursor; rows removed since are in "
            "removed-allocations/"
        ),
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
    fund = FundSlugFilter()
    is_current = TrueOrFalseFilter()
    status = django_filters.ChoiceFilter(choices=AllocationRun.Status.choices)
    updated_since = SinceFilter(
        field_name="changed_at",
        lookup_expr="gte",
        help_text="runs requested, started or finished since this time, paged by cursor",
    )

    class Meta:
        model = AllocationRun
        fields = ["status", "is_current"]


class AllocationRemovalFilter(django_filters.FilterSet):
    fund = FundSlugFilter(waves=True)
    updated_since = SinceFilter(
        field_name="removed_at", lookup_expr="gte", help_text="removed since; paged by cursor"
    )

    class Meta:
        model = AllocationRemoval
        fields = []


class SpendingFilter(django_filters.FilterSet):
    fund = FundSlugFilter()
    recipient = CodeListFilter(field_name="recipient__ods_code")
    category = django_filters.CharFilter(field_name="lines__category", distinct=True)

    class Meta:
        model = SpendingReport
        fields = ["period"]


class FundFilter(django_filters.FilterSet):
    announced_by = django_filters.ChoiceFilter(choices=Fund.Body.choices)
    route = django_filters.ChoiceFilter(choices=Fund.Route.choices)
    status = django_filters.ChoiceFilter(choices=Fund.Status.choices)
    updated_since = SinceFilter(
        field_name="updated_at", lookup_expr="gte", help_text="changed since; paged by cursor"
    )

    class Meta:
        model = Fund
        fields = ["announced_by", "route", "status"]
