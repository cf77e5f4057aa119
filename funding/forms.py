"""Admin form fields for money, financial years and each rule kind's parameters.

A rule kind's fields are built from its entry in `funding.rules.KINDS`, the one record of
what each kind accepts and requires, so a new kind or parameter needs no change here unless it
needs a new widget.
"""

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.utils import timezone

from trusts.models import BaselineBudget, Organisation, Population

from . import rules
from .money import pence_to_pounds


class PoundsField(forms.Field):
    """An amount as a finance officer writes it ("£3,800,000,000" or "3800000000.00"),
    cleaned to whole pence."""

    widget = forms.TextInput
    THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "In pounds: £3,800,000,000 or 3800000000.00")
        for bound in ("min_value", "max_value"):  # a model's integer bounds, in pence
            kwargs.pop(bound, None)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return f"{pence_to_pounds(value):,}" if isinstance(value, int) else value

    def to_python(self, value):
        text = str(value or "").strip().removeprefix("£").strip()
        if not text:
            return None
        if self.THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        try:
            return rules.pounds_to_pence(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


def financial_year_choices(chosen=()) -> list[tuple[str, str]]:
    """Every financial year from 2005-06 to next year's, and any already chosen."""
    last = timezone.localdate().year + 1
    years = {f"{start}-{(start + 1) % 100:02d}" for start in range(2005, last + 1)}
    return [(year, year) for year in sorted(years | set(chosen))]


def _population_dates():
    bases: dict[dt.date, list[str]] = {}
    for day, basis in (
        Population.objects.order_by("as_of", "basis").values_list("as_of", "basis").distinct()
    ):
        bases.setdefault(day, []).append(basis)
    return [(day.isoformat(), f"{day.isoformat()} ({', '.join(b)})") for day, b in bases.items()]


def _budget_years():
    years = BaselineBudget.objects.order_by("financial_year").values_list(
        "financial_year", flat=True
    )
    return [(year, year) for year in years.distinct()]


def _fund_slugs():
    from .models import Fund

    return list(Fund.objects.order_by("slug").values_list("slug", "name"))


# Where the rule's own check has no list of options, the choices come from the data stored.
CHOICES_FROM_DATA = {
    "eligible_kinds": Organisation.Kind.choices,
    "excluded_funds": _fund_slugs,
    "population_date": _population_dates,
    "budget_year": _budget_years,
}
DEPARTMENT_TYPE_NAMES = {"1": "Type 1 (major A&E)", "2": "Type 2 (single specialty)"}


class CodesField(forms.CharField):
    """ODS codes as a finance officer types them ("R1H, RF4 RVL"), cleaned to a list."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [code for code in re.split(r"[\s,]+", str(value or "").upper()) if code]


# Parameters holding a structure (a mapping, a list of groups) are entered as JSON; the rule's
# own check says what it must hold, in words, when it is wrong.
STRUCTURED_HELP = {
    rules._quotas: 'As JSON: how many each group chooses, e.g. {"foundation_trust": 19, '
    '"nhs_trust": 34}.',
    rules._group_totals: "As JSON: groups of codes that must get at least an amount, e.g. "
    '[{"label": "London", "codes": ["R1H", "RF4"], "at_least": "55000000.00"}].',
}


def parameter_field(name: str, check: rules.Check, *, required: bool) -> forms.Field:
    """The form field for one parameter: its widget from its check, its choices from the
    check's options or from the data."""
    options = getattr(check, "options", ())
    choices = CHOICES_FROM_DATA.get(name) or [
        (option, DEPARTMENT_TYPE_NAMES.get(option, option.replace("_", " "))) for option in options
    ]
    help_text = "Required." if required else "Optional."
    if check in STRUCTURED_HELP:
        return forms.JSONField(required=False, help_text=f"{help_text} {STRUCTURED_HELP[check]}")
    if getattr(check, "many", False) and not choices:
        return CodesField(required=False, help_text=f"{help_text} ODS codes, separated by commas.")
    if getattr(check, "many", False):
        return forms.MultipleChoiceField(
            choices=choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=help_text,
        )
    if choices:
        return forms.ChoiceField(
            choices=lambda: [("", "---------"), *(choices() if callable(choices) else choices)],
            required=False,
            help_text=help_text,
        )
    if check is rules._pounds:
        return PoundsField(required=False, help_text=f"{help_text} In pounds.")
    if hasattr(check, "minimum"):  # its bound is the rule's to check, in the rule's words
        return forms.IntegerField(required=False, help_text=help_text)
    if check is rules._date:
        return forms.DateField(required=False, help_text=f"{help_text} YYYY-MM-DD.")
    if check is rules._percent_value:
        return forms.DecimalField(required=False, help_text=f"{help_text} A percentage.")
    return forms.CharField(required=False, help_text=help_text)


def field_name(kind: str, name: str) -> str:
    return f"{kind}__{name}"


def parameter_fields() -> dict[str, forms.Field]:
    """Every kind's parameter fields, named kind__parameter."""
    return {
        field_name(kind.key, name): parameter_field(name, check, required=name in kind.requires)
        for kind in rules.RULE_KINDS
        for name, check in kind.accepts.items()
    }


def parameters_from(kind: str, cleaned: dict) -> dict:
    """The JSON parameters of a rule of this kind from its form fields' cleaned values."""
    parameters = {}
    for name in rules.KINDS[kind].accepts:
        value = cleaned.get(field_name(kind, name))
        if value in (None, "", []):
            continue
        parameters[name] = _json_value(name, kind, value)
    return parameters


def _json_value(name: str, kind: str, value):
    check = rules.KINDS[kind].accepts[name]
    if check is rules._pounds:
        return f"{value // 100}.{value % 100:02d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def initial_from(kind: str, parameters: dict) -> dict:
    """The form fields' initial values from a stored rule's parameters."""
    initial = {}
    for name, value in parameters.items():
        check = rules.KINDS[kind].accepts.get(name)
        if check is rules._pounds:
            value = rules.pounds_to_pence(value)
        elif check is rules._date and name != "population_date":
            value = dt.date.fromisoformat(value)
        initial[field_name(kind, name)] = value
    return initial
