import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import models, transaction
from django.db.models import Q, Sum
from django.forms.models import InlineForeignKeyField
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdmin
from lib.tabular import ImportFailed
from trusts.models import Organisation

from . import rules, selectors, services
from .forms import (
    PoundsField,
    field_name,
    financial_year_choices,
    initial_from,
    parameter_fields,
    parameters_from,
)
from .models import (
    PLAUSIBLE_DATE,
    Allocation,
    AllocationRule,
    AllocationRun,
    Fund,
    FundSource,
    FundStatusChange,
    PublishedAllocation,
    Scenario,
    SpendingLine,
    SpendingReport,
    Tranche,
    TrancheCondition,
)


class PoundsInAdmin:
    """Every amount of pence (a BigIntegerField named *_pence) is entered and shown in pounds."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.BigIntegerField) and db_field.name.endswith("_pence"):
            label = db_field.verbose_name.removesuffix(" pence").capitalize() + " (£)"
            return PoundsField(label=label, required=not db_field.null)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def pounds_column(name: str, label: str):
    """A changelist column of pence shown in pounds."""

    @admin.display(description=label, ordering=name)
    def column(obj):
        pence = getattr(obj, name)
        return "" if pence is None else rules.format_pounds(pence)

    return column


def constraint_field(constraint, form_fields) -> str | None:
    """The field of the form a constraint's failure is about: the last of its fields (or the
    first its condition names) that the form shows, other than the parent the row belongs to."""
    if isinstance(constraint, models.UniqueConstraint):
        names = list(reversed(constraint.fields))  # (fund, name): the name
    else:
        names = [
            child[0].split("__")[0]
            for child in constraint.condition.children
            if isinstance(child, tuple)  # a lookup, not a nested condition
        ]
    return next(
        (
            name
            for name in names
            if name in form_fields and not isinstance(form_fields[name], InlineForeignKeyField)
        ),
        None,
    )


class ConstraintErrorsByField(forms.ModelForm):
    """A database constraint's message shown by the field at fault, not atop the form."""

    def _post_clean(self):
        super()._post_clean()
        errors = self._errors.pop(NON_FIELD_ERRORS, self.error_class())
        by_message = {
            constraint.get_violation_error_message(): constraint_field(constraint, self.fields)
            for constraint in self._meta.model._meta.constraints
        }
        kept = []
        for message in errors:
            field = by_message.get(message)
            if field:
                self.add_error(field, message)
            else:
                kept.append(message)
        if kept:
            self._errors[NON_FIELD_ERRORS] = self.error_class(kept, error_class="nonfield")


class ConstraintErrorsByFieldFormSet(forms.BaseInlineFormSet):
    """Two rows of an inline that the same unique constraint forbids (the database would
    refuse the pair): the row just typed is told, by its field, in the constraint's words."""

    def clean(self):
        kept = [
            form
            for form in self.forms
            if form.is_valid() and form.cleaned_data and not self._should_delete_form(form)
        ]
        for constraint in self.model._meta.constraints:
            if not isinstance(constraint, models.UniqueConstraint) or constraint.condition:
                continue
            names = [name for name in constraint.fields if name != self.fk.name]
            seen: dict[tuple, forms.ModelForm] = {}
            for form in kept:
                values = tuple(form.cleaned_data.get(name) for name in names)
                if any(value in (None, "") for value in values):
                    continue
                if values not in seen:
                    seen[values] = form
                    continue
                # The row whose value was just typed is the one to tell.
                field = constraint_field(constraint, form.fields)
                first = seen[values]
                told = (
                    first
                    if field in first.changed_data and field not in form.changed_data
                    else form
                )
                told.add_error(field, constraint.get_violation_error_message())
        super().clean()


class ConstraintMessagesInline:
    """An inline whose rows show constraint failures by the field at fault."""

    form = ConstraintErrorsByField
    formset = ConstraintErrorsByFieldFormSet


def constraint_message(model, name: str) -> str:
    """The message the model gives for a constraint of that name, where the form shows it."""
    constraint = next(c for c in model._meta.constraints if c.name == name)
    return constraint.get_violation_error_message()


class StaleEditRefusedForm(forms.ModelForm):
    """Refuses a save over a change made since the page was opened. The page carries the id of
    the record's latest history entry; a save that finds a newer one is stopped, naming who
    made it and when, where it would have silently undone it. Writes that are no edit (a run
    stamping the fund for clients that sync) make no history entry, so they stop nobody."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A posted form carries the version its page was opened at.
        if self.instance.pk and not self.is_bound and (latest := self._latest_change()):
            self.fields["seen_version"].initial = latest.history_id

    def _latest_change(self):
        return self.instance.history.select_related("history_user").order_by("-history_id").first()

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        model = type(self.instance)
        if transaction.get_connection().in_atomic_block:
            # Two saves at once: the second waits for the first to commit, then sees it.
            model.objects.select_for_update().filter(pk=self.instance.pk).exists()
        latest = self._latest_change()
        if latest and latest.history_id != cleaned.get("seen_version"):
            who = latest.history_user or "Someone outside the admin (a command or an import)"
            when = timezone.localtime(latest.history_date)
            self.add_error(
                None,
                f"{who} changed this {model._meta.verbose_name} at {when:%H:%M on %-d %b %Y}, "
                "after you opened this page. Nothing of yours was saved: it would have undone "
                "their change. Open the page again to see it, then make your change.",
            )
        return cleaned


class FundForm(StaleEditRefusedForm):
    financial_years = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The years the money is for; none if the announcement did not say.",
    )
    status_on = forms.DateField(
        required=False,
        validators=PLAUSIBLE_DATE,
        label="Status dated",
        help_text="When the fund reached its status, if that step is not dated yet; "
        "left blank, the announcement date (a withdrawal: today).",
    )

    class Meta:
        model = Fund
        fields = (
            "slug",
            "name",
            "announced_by",
            "announced_on",
            "announced_on_certainty",
            "total_pence",
            "total_is_cap",
            "financial_years",
            "purpose",
            "money_kind",
            "route",
            "parent",
            "status",
            "notes",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["financial_years"].choices = financial_year_choices(
            self.instance.financial_years or ()
        )

    def clean(self):
        cleaned = super().clean()
        parent = cleaned.get("parent")
        if parent and parent.pk == self.instance.pk:
            # Django cannot check this constraint in a form, as it reads the fund's id, which
            # is no field of the form: the database would refuse the save with a server error.
            self.add_error("parent", constraint_message(Fund, "fund_not_own_wave"))
        elif parent and parent.parent_id:
            self.add_error(
                "parent",
                f"{parent.name} is itself a wave of {parent.parent.name}: waves are one level "
                f"deep, so choose {parent.parent.name}.",
            )
        elif parent and self.instance.pk and (waves := list(self.instance.waves.all())):
            self.add_error(
                "parent",
                f"{self.instance.name} has waves of its own "
                f"({', '.join(wave.name for wave in waves)}): a fund with waves cannot be a wave.",
            )
        if early := before_announcement(cleaned.get("status_on"), cleaned.get("announced_on")):
            self.add_error("status_on", early)
        stored_slug = self.instance.pk and self.initial.get("slug")
        if stored_slug and cleaned.get("slug", stored_slug) != stored_slug:
            if self.instance.runs.exists():
                self.add_error(
                    "slug",
                    f"Its allocations are published under the slug {stored_slug}: the API's "
                    "clients and every link know the fund by it, so it stays.",
                )
            for dependant in selectors.funds_depending_on(self.instance, slug=stored_slug):
                self.add_error(
                    "slug",
                    f"The rule of {dependant.name} ({dependant.slug}) names this fund by its "
                    f"slug, {stored_slug}: change that rule first, or keep the slug.",
                )
        return cleaned


def before_announcement(day: dt.date | None, announced: dt.date | None) -> str | None:
    """Why a fund's step or payment cannot fall on `day`: before the fund was announced."""
    if day and announced and day < announced:
        return f"{day:%-d %b %Y} is before the announcement ({announced:%-d %b %Y})."
    return None


class TrancheFormSet(ConstraintErrorsByFieldFormSet):
    def clean(self):
        super().clean()
        fund = self.instance  # with the values being saved, not the stored ones
        for form in self.forms:
            cleaned = form.cleaned_data or {}
            if early := before_announcement(cleaned.get("due_on"), fund.announced_on):
                form.add_error("due_on", early)
            if short := published_beyond_tranche(form.instance, cleaned.get("amount_pence")):
                form.add_error("amount_pence", short)
        amounts = [
            form.cleaned_data.get("amount_pence") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if beyond := tranches_beyond_total(fund, sum(amounts)):
            raise forms.ValidationError(beyond)


def tranches_beyond_total(fund: Fund, total_pence: int) -> str | None:
    if fund.total_pence is None or total_pence <= fund.total_pence:
        return None
    return (
        f"The tranches add up to {rules.format_pounds(total_pence)}, more than the "
        f"fund's total of {rules.format_pounds(fund.total_pence)}."
    )


def _fund_of(form: forms.ModelForm, cleaned: dict) -> Fund | None:
    """The fund chosen on an add page, or the one a saved object keeps (read-only then)."""
    if "fund" in form.fields:
        return cleaned.get("fund")
    return form.instance.fund


class TrancheForm(ConstraintErrorsByField):
    """A tranche on its own page: with the fund's other tranches, within the fund's total."""

    def clean(self):
        cleaned = super().clean()
        fund, amount = _fund_of(self, cleaned), cleaned.get("amount_pence")
        if fund and (early := before_announcement(cleaned.get("due_on"), fund.announced_on)):
            self.add_error("due_on", early)
        if fund is not None and amount is not None:
            others = (
                fund.tranches.exclude(pk=self.instance.pk).aggregate(total=Sum("amount_pence"))
            )["total"]
            if beyond := tranches_beyond_total(fund, (others or 0) + amount):
                self.add_error("amount_pence", beyond)
        if short := published_beyond_tranche(self.instance, amount):
            self.add_error("amount_pence", short)
        return cleaned


def published_beyond_tranche(tranche: Tranche, amount_pence: int | None) -> str | None:
    """Why a saved tranche cannot be cut to this amount: more is published in it."""
    if not tranche.pk or amount_pence is None:
        return None
    published = tranche.publishedallocation_set.aggregate(total=Sum("amount_pence"))["total"]
    if not published or published <= amount_pence:
        return None
    return (
        f"{rules.format_pounds(published)} is published in {tranche.name}, more than "
        f"{rules.format_pounds(amount_pence)}: correct the published amounts first."
    )


class PublishedAllocationForm(ConstraintErrorsByField):
    """One published amount: in a tranche of its own fund, and with the amounts already
    published for that fund or tranche, within it."""

    standalone = True

    def clean(self):
        cleaned = super().clean()
        fund, tranche = _fund_of(self, cleaned), cleaned.get("tranche")
        if fund is None:  # the fund's field says why
            return cleaned
        if tranche and tranche.fund_id != fund.pk:
            self.add_error("tranche", f"{tranche.name!r} is a tranche of another fund")
        elif self.standalone and cleaned.get("amount_pence") is not None:
            totals = selectors.published_totals(fund, leaving_out=Q(pk=self.instance.pk))
            totals[tranche] = totals.get(tranche, 0) + cleaned["amount_pence"]
            for beyond in selectors.published_beyond(fund, totals):
                self.add_error("amount_pence", beyond)
        return cleaned


class PublishedAllocationInlineForm(PublishedAllocationForm):
    # On a fund's page its rows may all be changing at once: the formset adds them up.
    standalone = False


class PublishedAllocationFormSet(ConstraintErrorsByFieldFormSet):
    def clean(self):
        super().clean()
        fund = self.instance  # with the values being saved, not the stored ones
        totals: dict[Tranche | None, int] = {}
        footings: dict[Organisation, list[tuple[forms.Form, Tranche | None]]] = {}
        for form in self.forms:
            if form.cleaned_data and not form.cleaned_data.get("DELETE"):
                tranche = form.cleaned_data.get("tranche")
                amount = form.cleaned_data.get("amount_pence") or 0
                totals[tranche] = totals.get(tranche, 0) + amount
                if recipient := form.cleaned_data.get("recipient"):
                    footings.setdefault(recipient, []).append((form, tranche))
        # Each row's own check reads the stored rows: two new rows clashed unseen.
        for recipient, rows in footings.items():
            tranches = [tranche for _, tranche in rows if tranche is not None]
            if tranches and len(tranches) < len(rows):
                for form, _ in rows:
                    form.add_error(
                        "tranche",
                        f"{recipient.ods_code} is listed both for the whole fund and in "
                        f"{tranches[0].name}; {selectors.FOOTING_RULE}",
                    )
        if problems := selectors.published_beyond(fund, totals):
            raise forms.ValidationError([f"Published allocations: {p}." for p in problems])


class KindParametersForm(forms.ModelForm):
    """A kind and the named parameters of each kind (a rule's or a scenario's), checked as
    funding.rules checks them; the parameters of the other kinds are left blank."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name, value in initial_from(self.instance.kind, self.instance.parameters).items():
                self.initial.setdefault(name, value)
            self.fields["kind"].help_text = "Now: " + rules.describe(
                self.instance.kind, self.instance.parameters
            )

    def parameters_clean(self, cleaned: dict, fund: Fund | None) -> bool:
        """Puts the kind's cleaned parameters in `cleaned`, or each error by its field."""
        kind = cleaned.get("kind")
        if not kind:
            return False
        try:
            cleaned["parameters"] = services.rule_parameters_clean(
                kind=kind,
                parameters=parameters_from(kind, cleaned),
                fund_total_pence=fund.total_pence if fund else None,
            )
        except rules.ParameterError as error:
            for name, message in error.errors.items():
                target = field_name(kind, name)
                if target in self.errors:
                    continue  # its field's own error says what is wrong ("Enter a whole number")
                self.add_error(target if target in self.fields else None, f"{name}: {message}")
            return False
        return True


class AllocationRuleFormBase(KindParametersForm):
    """A fund's rule: its kind, its parameters and, for a change, why."""

    reason = forms.CharField(
        max_length=100,
        required=False,
        help_text="Why the rule changes; kept in the fund's history. Required for a change.",
    )

    class Meta:
        model = AllocationRule
        fields = ("kind",)

    def __init__(self, *args, fund: Fund | None = None, preview: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fund_being_saved = fund
        self.preview = preview  # the preview page: nothing is saved, so no reason is asked
        if preview:
            del self.fields["reason"]

    def clean(self):
        cleaned = super().clean()
        fund = self.fund()
        if not self.parameters_clean(cleaned, fund) or self.preview:
            return cleaned
        kind = cleaned["kind"]
        computes = rules.KINDS[kind].compute is not None
        if fund and (self.rule_changes() or not self.instance.pk) and computes:
            self.dry_run(fund, kind, cleaned["parameters"])
        if self.rule_changes() and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why the rule changes: the fund's history keeps it.")
        return cleaned

    def rule_changes(self) -> bool:
        """An existing rule gets a new kind or new parameters (a new rule needs no reason)."""
        return bool(self.instance.pk) and (
            self.cleaned_data.get("kind") != AllocationRule.objects.get(pk=self.instance.pk).kind
            or self.cleaned_data.get("parameters") != self.instance.parameters
        )

    def fund(self) -> Fund | None:
        """The fund with the values being saved with this rule on its page, or as stored."""
        if self.fund_being_saved is not None:
            return self.fund_being_saved
        try:
            return self.instance.fund
        except Fund.DoesNotExist:
            return None

    def dry_run(self, fund: Fund, kind: str, parameters: dict) -> None:
        """Runs the rule on the data stored now, so one that cannot run is refused here,
        before it is saved, and never replaces the current allocations."""
        try:
            shares = services.allocation_preview(fund=fund, kind=kind, parameters=parameters)
        except (rules.RuleError, KeyError, ValueError) as error:
            self.add_error(None, f"This rule cannot run on the data stored now: {error}")
            return
        asked = int(parameters.get("n") or 0)
        if kind == AllocationRule.Kind.WORST_N and asked > len(shares):
            # Its words would say "the 1000 trusts with the lowest performance" of 145 paid.
            self.add_error(
                field_name(kind, "n"),
                f"n: {asked:,} is more than the {len(shares):,} organisations ranked in the "
                "window: every one would be paid. Give at most that many.",
            )

    def rule_save(self, *, fund: Fund, user) -> AllocationRule:
        """Saves through the service, so every change is a new version with who and why."""
        return services.rule_save(
            fund=fund,
            kind=self.cleaned_data["kind"],
            parameters=self.cleaned_data["parameters"],
            reason=self.cleaned_data["reason"].strip() or "Rule entered in the admin",
            user=user,
        )


AllocationRuleForm = type("AllocationRuleForm", (AllocationRuleFormBase,), parameter_fields())


def rule_fieldsets(rule: AllocationRule | None):
    """The kind and reason first, then one fieldset per kind, the rule's own kind open and
    each described in the kind's own words."""
    return [
        (None, {"fields": ["kind", "reason"]}),
        *(
            (
                f"Parameters of a rule of kind: {kind.label}",
                {
                    "fields": [field_name(kind.key, name) for name in kind.accepts],
                    "classes": [] if rule and rule.kind == kind.key else ["collapse"],
                    "description": kind.description
                    + (
                        f" Fill in these when the kind above is “{kind.label}”; the fields "
                        "of other kinds are ignored."
                        if kind.accepts
                        else " It has no parameters."
                    ),
                },
            )
            for kind in rules.RULE_KINDS
        ),
    ]


class ScenarioFormBase(KindParametersForm):
    """An alternative rule for a fund, kept beside its rule for comparison; it becomes the
    fund's rule only through "Preview and make current", which records who and why."""

    class Meta:
        model = Scenario
        fields = ("fund", "name", "kind", "order", "reason")

    def clean(self):
        cleaned = super().clean()
        fund = cleaned.get("fund") or getattr(self.instance, "fund", None)
        if not self.parameters_clean(cleaned, fund):
            return cleaned
        stored = Scenario.objects.filter(pk=self.instance.pk, is_current=True).first()
        if stored and (stored.kind, stored.parameters) != (cleaned["kind"], cleaned["parameters"]):
            self.add_error(
                None,
                "This scenario is the fund's current model: change the fund's rule instead, "
                "or make another scenario current first.",
            )
        return cleaned

    def save(self, commit=True):
        self.instance.parameters = self.cleaned_data["parameters"]
        return super().save(commit)


ScenarioForm = type("ScenarioForm", (ScenarioFormBase,), parameter_fields())


class MakeCurrentForm(forms.Form):
    reason = forms.CharField(
        max_length=100,
        help_text="Why this scenario becomes the fund's model; kept in the fund's history.",
    )


class AllocationRuleFormSet(forms.BaseInlineFormSet):
    def get_form_kwargs(self, index):
        # The fund as being saved: the inline's own instance.fund is the stored one.
        return {**super().get_form_kwargs(index), "fund": self.instance}

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

    def get_fieldsets(self, request, obj=None):
        return rule_fieldsets(getattr(obj, "rule", None) if obj else None)

    def has_add_permission(self, request, obj=None):
        """A fund with its one rule has none to add: nor is the page sent a blank one, every
        kind's parameters again, for an "add another" that the limit of one hides."""
        if getattr(obj, "rule", None) is not None:
            return False
        return super().has_add_permission(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.user = request.user
        return formset


# Sources, tranches and spending reports are stacked: as tables, their addresses, notes and
# six or more fields made a fund's page up to 2,593 pixels wide on a 1,366-pixel screen.
class FundSourceInline(ConstraintMessagesInline, admin.StackedInline):
    model = FundSource
    extra = 0


class FundStatusChangeInline(ConstraintMessagesInline, admin.TabularInline):
    model = FundStatusChange
    extra = 0


class TrancheInline(ConstraintMessagesInline, PoundsInAdmin, admin.StackedInline):
    model = Tranche
    formset = TrancheFormSet
    extra = 0
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class Form(formset.form):
            def hand_clean_DELETE(self):
                """Why a tranche runs allocated from stays, in words, in place of the admin's
                list of every row they wrote."""
                deleting = self.cleaned_data.get("DELETE") and self.instance.pk
                if deleting and (refusal := selectors.tranche_delete_refusal(self.instance)):
                    raise forms.ValidationError(refusal)
                super().hand_clean_DELETE()

        formset.form = Form
        return formset


class PublishedAllocationInline(ConstraintMessagesInline, PoundsInAdmin, admin.TabularInline):
    model = PublishedAllocation
    form = PublishedAllocationInlineForm
    formset = PublishedAllocationFormSet
    extra = 0
    raw_id_fields = ("recipient", "tranche")


class SpendingReportForm(ConstraintErrorsByField):
    """A report's period is a financial year, as the funds' and the API's filters write it."""

    def clean_period(self):
        try:
            return rules.financial_year_checked(self.cleaned_data["period"].strip())
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    # On its own page the report's lines are on the page too, and their formset checks them
    # against the allocation being saved; on its fund's page they are the stored ones.
    lines_on_the_page = True

    def clean(self):
        cleaned = super().clean()
        lines = (
            []
            if self.lines_on_the_page or not self.instance.pk
            else list(self.instance.lines.values_list("category", "amount_pence"))
        )
        found = rules.spending_faults(
            cleaned.get("allocation_pence"), cleaned.get("uncommitted_pence"), lines
        )
        if "uncommitted" in found:
            self.add_error("uncommitted_pence", found["uncommitted"])
        if "lines" in found:
            self.add_error("allocation_pence", f"Its spending lines {found['lines']}.")
        return cleaned


class SpendingReportInlineForm(SpendingReportForm):
    lines_on_the_page = False


class SpendingReportInline(ConstraintMessagesInline, PoundsInAdmin, admin.StackedInline):
    model = SpendingReport
    form = SpendingReportInlineForm
    extra = 0
    show_change_link = True
    raw_id_fields = ("recipient",)


class ScenarioInline(admin.TabularInline):
    """The fund's scenarios, to open; each is added, previewed and made current on its own
    page, so the fund's rule changes only through the service."""

    model = Scenario
    fields = ("name", "kind", "is_current", "reason")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def preview_context(fund: Fund, kind: str, parameters: dict) -> dict:
    """A rule's shares beside the fund's current allocations (the preview table), or why it
    cannot run on the data stored now; nothing is saved."""
    shares, error = [], ""
    try:
        # On a copy of the fund: a preview's unsaved rule becomes its fund's `rule`.
        shares = services.allocation_preview(
            fund=Fund.objects.get(pk=fund.pk), kind=kind, parameters=parameters
        )
    except (rules.RuleError, KeyError, ValueError) as failure:
        error = str(failure)
    return {
        "shares": shares,
        "rows": selectors.preview_against_current(fund=fund, kind=kind, shares=shares),
        "total": rules.format_pounds(sum(share.amount_pence for share in shares)),
        "error": error,
    }


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV with the columns ods_code, amount (pounds), source.")
    tranche = forms.ModelChoiceField(queryset=Tranche.objects.none(), required=False)


class RefusesDeletesInWords:
    """A delete page (or the list's bulk delete) that cannot go ahead says why in words, in
    place of the admin's list of every protected row or of a permission nobody should have."""

    def delete_refusal(self, obj) -> str | None:
        raise NotImplementedError

    def get_deleted_objects(self, objs, request):
        deleted, counts, permissions, protected = super().get_deleted_objects(objs, request)
        if refusals := [r for obj in objs if (r := self.delete_refusal(obj))]:
            return deleted, counts, set(), refusals
        return deleted, counts, permissions, protected


@admin.register(Fund)
class FundAdmin(RefusesDeletesInWords, PoundsInAdmin, SimpleHistoryAdmin):
    form = FundForm
    list_display = (
        "name",
        "announced_by",
        "announced_on",
        pounds_column("total_pence", "Total"),
        "route",
        "status",
    )
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
        ScenarioInline,
    ]
    actions = ["recompute", "withdraw"]
    NOT_DELETABLE = (
        "This fund has had allocation runs, so it cannot be deleted: its allocations and "
        "history would go with it. Withdraw it instead (an action on the list of funds): "
        "that keeps the record and takes it out of the pages, the API and the exports."
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        fund = form.instance
        if change and "announced_on" in form.changed_data:
            services.fund_announcement_moved(fund=fund, was=form.initial["announced_on"])
        if "status" in form.changed_data and fund.status == Fund.Status.WITHDRAWN:
            # As the list's action withdraws: no run stays current, dated today unless given.
            services.fund_withdraw(
                fund=fund,
                on=form.cleaned_data["status_on"] or timezone.localdate(),
                note=f"withdrawn in the admin by {request.user}",
            )
            self.message_user(request, "Withdrawn: its money is out of every current view.")
            return
        if "status" in form.changed_data:
            services.fund_status_changed(
                fund=fund,
                was=form.initial.get("status"),
                note=f"status set to {fund.get_status_display()} in the admin by {request.user}",
            )
        # A step entered from the record (paid, allocated) took place around the
        # announcement, not on the day it is typed in.
        services.fund_status_date(
            fund=fund,
            on=form.cleaned_data["status_on"] or fund.announced_on,
            note="set in the admin",
        )
        run = services.fund_recompute_request(
            fund=fund, triggered_by="admin save", requested_by=request.user
        )
        if run:
            self.message_user(request, f"Recompute requested (run {run.pk}).")

    @admin.action(description="Recompute allocations", permissions=["recompute"])
    def recompute(self, request, queryset):
        requested = 0
        for fund in queryset:
            if services.fund_recompute_request(
                fund=fund, triggered_by="admin action", requested_by=request.user
            ):
                requested += 1
            else:
                refusal = services.recompute_refusal(fund)
                self.message_user(request, f"{fund}: {refusal}", messages.WARNING)
        if requested:
            self.message_user(request, f"Recompute requested for {requested} fund(s).")

    @admin.action(
        description="Withdraw (keeps the history; out of pages, API and exports)",
        permissions=["change"],
    )
    def withdraw(self, request, queryset):
        for fund in queryset:
            services.fund_withdraw(
                fund=fund, on=timezone.localdate(), note=f"withdrawn in the admin by {request.user}"
            )
        self.message_user(request, f"{queryset.count()} fund(s) withdrawn.", messages.SUCCESS)

    def get_actions(self, request):
        # A bulk delete would fail on any fund that has had a run: withdrawing is the way.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.runs.exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        fund = Fund.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if fund and fund.runs.exists():
            self.message_user(request, self.NOT_DELETABLE, messages.ERROR)
            return redirect(reverse("admin:funding_fund_change", args=[fund.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_refusal(self, obj: Fund) -> str | None:
        if waves := [wave.name for wave in obj.waves.all()]:
            return (
                f"{obj.name} cannot be deleted: {' and '.join(waves)} "
                f"{'is a wave' if len(waves) == 1 else 'are waves'} of it. Change "
                f"{'its' if len(waves) == 1 else 'their'} parent first, on "
                f"{'its' if len(waves) == 1 else 'their'} own page."
            )
        return None

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
                "<int:fund_id>/recompute/",
                self.admin_site.admin_view(self.recompute_view),
                name="funding_fund_recompute",
            ),
            path(
                "<int:fund_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="funding_fund_preview",
            ),
            *super().get_urls(),
        ]

    def _fund_for_change(self, request, fund_id) -> Fund | None:
        fund = Fund.objects.filter(pk=fund_id).first()
        if fund and not self.has_change_permission(request, fund):
            raise PermissionDenied
        return fund

    def _no_such_fund(self, request, fund_id) -> TemplateResponse:
        return TemplateResponse(
            request,
            "admin/funding/fund/not_found.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "fund_id": fund_id,
                "title": "No such fund",
            },
            status=404,
        )

    def recompute_view(self, request, fund_id):
        """The change page's recompute button: a new run of this fund's rule and list."""
        fund = self._fund_for_change(request, fund_id)
        if fund is None:
            return self._no_such_fund(request, fund_id)
        if request.method != "POST" or not self.has_recompute_permission(request):
            raise PermissionDenied
        run = services.fund_recompute_request(
            fund=fund, triggered_by="admin button", requested_by=request.user
        )
        if run:
            self.message_user(request, f"Recompute requested (run {run.pk}).", messages.SUCCESS)
        else:
            self.message_user(request, services.recompute_refusal(fund), messages.WARNING)
        return redirect(reverse("admin:funding_fund_change", args=[fund.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        fund = Fund.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        runs = [(run, selectors.run_outcome(run)) for run in fund.runs.all()[:5]] if fund else []
        return super().change_view(
            request,
            object_id,
            form_url,
            {
                **(extra_context or {}),
                "not_deletable": self.NOT_DELETABLE if runs else "",
                "runs": runs,
                "can_recompute": self.has_recompute_permission(request),
            },
        )

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
        if fund is None:
            return self._no_such_fund(request, fund_id)
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
                    requested_by=request.user,
                )
            except ImportFailed as failure:
                problems = [str(error) for error in failure.errors]
            else:
                saved = f"{result.created} published allocations saved ({result.replaced} replaced)"
                if result.run:
                    self.message_user(
                        request,
                        f"{saved}; recompute requested (run {result.run.pk}).",
                        messages.SUCCESS,
                    )
                else:
                    refusal = services.recompute_refusal(fund)
                    self.message_user(request, f"{saved}. {refusal}", messages.WARNING)
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
        """What a rule would allocate, computed without saving anything, beside what the
        current run allocates."""
        fund = self._fund_for_change(request, fund_id)
        if fund is None:
            return self._no_such_fund(request, fund_id)
        rule = getattr(fund, "rule", None) or AllocationRule(fund=fund)
        form = AllocationRuleForm(request.POST or None, instance=rule, fund=fund, preview=True)
        preview = {}
        if request.method == "POST" and form.is_valid():
            preview = preview_context(
                fund, form.cleaned_data["kind"], form.cleaned_data["parameters"]
            )
        fieldsets = [
            (
                label,
                options.get("description", ""),
                [form[name] for name in options["fields"] if name in form.fields],
            )
            for label, options in rule_fieldsets(rule if rule.pk else None)
        ]
        return TemplateResponse(
            request,
            "admin/funding/fund/preview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "fund": fund,
                "form": form,
                "fieldsets": fieldsets,
                **preview,
                "title": f"Preview allocations: {fund.name}",
            },
        )


class TrancheConditionInline(ConstraintMessagesInline, admin.TabularInline):
    model = TrancheCondition
    extra = 0


class RecomputesItsFund:
    """An admin of something a fund's allocations read (its tranches, its published figures):
    a save or a delete here, one by one or by the list's bulk delete, asks for a run, as the
    fund's own page does."""

    def get_readonly_fields(self, request, obj=None):
        # Moved to another fund, it took money from one fund's figures into another's.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "fund") if obj else fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._recompute(request, obj.fund)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._recompute(request, obj.fund)

    def delete_queryset(self, request, queryset):
        funds = list(Fund.objects.filter(pk__in=queryset.values("fund")))
        super().delete_queryset(request, queryset)
        for fund in funds:
            self._recompute(request, fund)

    def _recompute(self, request, fund: Fund) -> None:
        run = services.fund_recompute_request(
            fund=fund, triggered_by="admin save", requested_by=request.user
        )
        if run:
            self.message_user(request, f"Recompute of {fund} requested (run {run.pk}).")
        else:
            refusal = services.recompute_refusal(fund)
            self.message_user(request, f"{fund}: {refusal}", messages.WARNING)


@admin.register(Tranche)
class TrancheAdmin(RefusesDeletesInWords, RecomputesItsFund, PoundsInAdmin, SimpleHistoryAdmin):
    form = TrancheForm
    list_display = (
        "fund",
        "name",
        pounds_column("amount_pence", "Amount"),
        "financial_year",
        "due_on",
        "performance_linked",
    )
    list_filter = ("performance_linked", "missed_condition_policy")
    inlines = [TrancheConditionInline]

    def delete_refusal(self, obj: Tranche) -> str | None:
        return selectors.tranche_delete_refusal(obj)


class SpendingLineFormSet(ConstraintErrorsByFieldFormSet):
    """The lines with their report (being saved with them): within its allocation, each
    category once."""

    def clean(self):
        super().clean()
        lines = [
            (form.cleaned_data["category"], form.cleaned_data.get("amount_pence") or 0)
            for form in self.forms
            if form.cleaned_data.get("category") and not form.cleaned_data.get("DELETE")
        ]
        found = rules.spending_faults(self.instance.allocation_pence, None, lines)
        if "lines" in found:
            raise forms.ValidationError(f"Spending lines: {found['lines']}.")


class SpendingLineInline(ConstraintMessagesInline, PoundsInAdmin, admin.TabularInline):
    model = SpendingLine
    formset = SpendingLineFormSet
    extra = 0


@admin.register(SpendingReport)
class SpendingReportAdmin(PoundsInAdmin, SimpleHistoryAdmin):
    form = SpendingReportForm
    list_display = (
        "fund",
        "recipient",
        "period",
        pounds_column("allocation_pence", "Allocation"),
        pounds_column("uncommitted_pence", "Uncommitted"),
    )
    raw_id_fields = ("recipient",)
    inlines = [SpendingLineInline]


@admin.register(AllocationRule)
class AllocationRuleAdmin(RecomputesItsFund, SimpleHistoryAdmin):
    """A fund's rule on a page of its own; a rule is added on its fund's page, which has the
    fund to add it to."""

    form = AllocationRuleForm
    list_display = ("fund", "kind", "version", "updated_at")

    def has_add_permission(self, request):
        return False

    def get_fieldsets(self, request, obj=None):
        return rule_fieldsets(obj)

    def save_model(self, request, obj, form, change):
        saved = form.rule_save(fund=obj.fund, user=request.user)
        obj.pk, obj.version = saved.pk, saved.version
        self._recompute(request, obj.fund)


@admin.register(Scenario)
class ScenarioAdmin(SimpleHistoryAdmin):
    form = ScenarioForm
    list_display = ("fund", "name", "kind", "is_current")
    list_filter = ("is_current", "fund")

    def get_fieldsets(self, request, obj=None):
        [_, *per_kind] = rule_fieldsets(obj)
        return [(None, {"fields": ["fund", "name", "order", "kind", "reason"]}), *per_kind]

    def get_readonly_fields(self, request, obj=None):
        return ("fund",) if obj else ()

    def get_urls(self):
        return [
            path(
                "<int:scenario_id>/make-current/",
                self.admin_site.admin_view(self.make_current_view),
                name="funding_scenario_make_current",
            ),
            *super().get_urls(),
        ]

    def make_current_view(self, request, scenario_id):
        """The scenario's allocations beside the current ones, and a reason to make it the
        fund's model."""
        scenario = get_object_or_404(Scenario.objects.select_related("fund"), pk=scenario_id)
        fund = scenario.fund
        if not self.has_change_permission(request, scenario) or not request.user.has_perm(
            "funding.change_allocationrule"
        ):
            raise PermissionDenied
        preview = preview_context(fund, scenario.kind, scenario.parameters)
        form = MakeCurrentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if preview["error"]:
                form.add_error(
                    None, f"This scenario cannot run on the data stored now: {preview['error']}"
                )
            else:
                rule = services.scenario_make_current(
                    scenario=scenario, reason=form.cleaned_data["reason"], user=request.user
                )
                self.message_user(
                    request,
                    f"“{scenario.name}” is now the fund's model (rule version {rule.version}); "
                    "recompute requested.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:funding_fund_change", args=[fund.pk]))
        return TemplateResponse(
            request,
            "admin/funding/scenario/make_current.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": scenario,
                "scenario": scenario,
                "fund": fund,
                "in_words": rules.describe(scenario.kind, scenario.parameters),
                "form": form,
                **preview,
                "title": f"Preview and make current: {scenario.name}",
            },
        )


@admin.register(PublishedAllocation)
class PublishedAllocationAdmin(RecomputesItsFund, PoundsInAdmin, SimpleHistoryAdmin):
    form = PublishedAllocationForm
    list_display = (
        "fund",
        "recipient",
        "tranche",
        pounds_column("amount_pence", "Amount"),
        "source",
    )
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
        pounds_column("total_pence", "Total modelled"),
    )
    list_filter = ("status", "is_current", "fund")


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = (
        "fund",
        "recipient",
        "basis",
        pounds_column("amount_pence", "Amount"),
        "rank",
        "run",
    )
    list_filter = ("basis", "fund")
    search_fields = ("recipient__ods_code", "recipient__name")
    list_select_related = ("fund", "recipient", "run")
