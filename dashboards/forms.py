"""The pages' filters: query-string forms, so a view is shared by its link."""

import datetime as dt
import re

from django import forms
from django.http import QueryDict

from funding.models import Fund
from impact import stats
from trusts.models import DepartmentType, Organisation
from trusts.selectors import ALL_TYPES, weeks_answer
from trusts.windows import Window

ISO_SHAPED = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


class DayMonthYearWidget(forms.MultiWidget):
    """The NHS design system's date input: day, month and year boxes in a fieldset. A link may
    also carry the date whole (before_from=2012-11-01), as links made before this did."""

    template_name = "dashboards/widgets/date_input.html"
    PARTS = ("day", "month", "year")

    def __init__(self, attrs=None):
        def box(width):
            return forms.TextInput(
                attrs={
                    "class": f"nhsuk-input nhsuk-date-input__input nhsuk-input--width-{width}",
                    "inputmode": "numeric",
                }
            )

        super().__init__({"day": box(2), "month": box(2), "year": box(4)}, attrs)

    def decompress(self, value):
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def format_value(self, value):
        # An ISO date from a link or a field's initial value is shown in its three boxes; one
        # in that shape that is not a real day (2013-02-30) too, so the reader can mend it.
        if isinstance(value, str):
            try:
                return self.decompress(dt.date.fromisoformat(value))
            except ValueError:
                if shaped := ISO_SHAPED.fullmatch(value.strip()):
                    year, month, day = shaped.groups()
                    return [str(int(day)), str(int(month)), year]
                return value
        return value

    def get_context(self, name, value, attrs):
        if isinstance(value, str):
            value = self.format_value(value)
        return super().get_context(name, value, attrs)

    def value_from_datadict(self, data, files, name):
        parts = super().value_from_datadict(data, files, name)
        if any(part not in (None, "") for part in parts):
            return parts
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)


class DayMonthYearField(forms.Field):
    """A date from day, month and year boxes, with the NHS design system's error messages."""

    widget = DayMonthYearWidget

    def to_python(self, value):
        name = self.label or "The date"
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                raise forms.ValidationError(
                    f"{name} must be a real date, for example 1 11 2012"
                ) from None
        parts = [str(part or "").strip() for part in value]
        if not any(parts):
            return None
        missing = [
            word for word, part in zip(DayMonthYearWidget.PARTS, parts, strict=True) if not part
        ]
        if missing:
            raise forms.ValidationError(f"{name} must include a {' and a '.join(missing)}")
        if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
            raise forms.ValidationError(f"{name} must be a real date, for example 1 11 2012")
        day, month, year = (int(part) for part in parts)
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(f"{name} must be a real date") from None


class TypeCheckboxesWidget(forms.CheckboxSelectMultiple):
    """Checkboxes; a link may also say type=1,2 or type=all, as links made before this did."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"class": "nhsuk-checkboxes__input", **(attrs or {})}, choices)

    def value_from_datadict(self, data, files, name):
        given = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        if isinstance(given, str):
            given = [given]
        chosen = []
        for value in given or []:
            for part in str(value).split(","):
                part = part.strip().casefold()
                chosen += list(ALL_TYPES) if part == "all" else [part]
        return list(dict.fromkeys(part for part in chosen if part))


class TypeCheckboxesField(forms.MultipleChoiceField):
    """A&E department types as checkboxes; cleans to the tuple the selectors take."""

    widget = TypeCheckboxesWidget
    default_error_messages = {
        "required": "Select at least one department type",
        "invalid_choice": "Department types are type 1, type 2, other and totals: %(value)s is "
        "none of these",
    }

    def __init__(self, **kwargs):
        super().__init__(choices=DepartmentType.choices, **kwargs)

    def clean(self, value):
        chosen = super().clean(value)
        return tuple(code for code in ALL_TYPES if code in chosen)


class LongSelect(forms.Select):
    """Django's select with each option written in its own template, not through Django's
    option and attribute templates included once an option (a select's options carry no
    attribute but `selected`): for 500 funds, ten times the seed funds, the includes were a
    fifth of /performance/'s first request."""

    template_name = "dashboards/widgets/long_select.html"


class FilterForm(forms.Form):
    """A GET form: a parameter left out of the link takes its field's initial value."""

    # A field whose parameter in the link is not its name ("from" cannot be an attribute).
    parameters: dict[str, str] = {}

    def __init__(self, data, *, regions=(), **kwargs):
        # Only the fields' own parameters are read: junk in a link (utm_source=...) is neither
        # kept in the form's links nor part of the page's cache key.
        values = QueryDict(mutable=True)
        for name, field in self.base_fields.items():
            given = False
            for parameter in _parameters(self.add_prefix(name), field):
                if parameter in data:
                    given = True
                    values.setlist(
                        parameter,
                        data.getlist(parameter) if hasattr(data, "getlist") else [data[parameter]],
                    )
            if field.initial is not None and not given:
                initial = field.initial
                values.setlist(
                    self.add_prefix(name), initial if isinstance(initial, list) else [initial]
                )
        super().__init__(values, **kwargs)
        if "region" in self.fields:
            self.fields["region"].choices = [("", "Every region"), *((r, r) for r in regions)]
        for name, field in self.fields.items():
            label = field.label or name.capitalize()
            if isinstance(field, forms.ChoiceField) and not isinstance(field, TypeCheckboxesField):
                field.error_messages["invalid_choice"] = (
                    f"Choose the {_in_sentence(label)} from the list"
                )
            if isinstance(field, DayMonthYearField):
                field.error_messages["required"] = f"Enter the date the {_in_sentence(label)}"
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs["class"] = "nhsuk-select"
            elif isinstance(widget, forms.TextInput | forms.NumberInput):
                widget.attrs["class"] = "nhsuk-input nhsuk-input--width-10"

    def add_prefix(self, field_name):
        return self.parameters.get(field_name, field_name)

    def _window(self, start_field: str, end_field: str, what: str) -> Window | None:
        """The window between two date fields, or None with the error beside the end field."""
        start, end = self.cleaned_data.get(start_field), self.cleaned_data.get(end_field)
        if not (start and end):
            return None
        if end < start:
            self.add_error(end_field, f"{what} ends before it starts: make the end later")
            return None
        return Window(start, end)

    def _before_and_after(self) -> dict[str, Window]:
        """The before and after windows given, the after one starting once the before one has
        ended, or the error beside the after window's start."""
        windows = {}
        for side in ("before", "after"):
            if window := self._window(f"{side}_from", f"{side}_to", f"The {side} window"):
                windows[side] = window
        if len(windows) == 2 and windows["before"].end >= windows["after"].start:
            self.add_error("after_from", "The after window must start after the before window ends")
            return {}
        return windows


def _in_sentence(label: str) -> str:
    """A label inside a sentence: "Region" becomes "region", "SPC chart" stays."""
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def _parameters(name: str, field: forms.Field) -> list[str]:
    """The parameters a field is given by in a link: its name, and a date's three boxes."""
    if isinstance(field, DayMonthYearField):
        return [name, *(f"{name}_{part}" for part in DayMonthYearWidget.PARTS)]
    return [name]


class PerformanceForm(FilterForm):
    fund = forms.ModelChoiceField(
        Fund.objects.standing().order_by("announced_on"),
        widget=LongSelect,
        to_field_name="slug",
        required=False,
        empty_label="Every fund",
        initial="ae-winter-2013-14",
    )
    # The first wave's own default (impact.design.default_windows): the winter before the
    # months its rule ranked trusts on.
    before_from = DayMonthYearField(label="Before window starts", initial="2011-11-01")
    before_to = DayMonthYearField(label="Before window ends", initial="2012-03-31")
    after_from = DayMonthYearField(label="After window starts", initial="2013-11-01")
    after_to = DayMonthYearField(label="After window ends", initial="2014-03-31")
    type = TypeCheckboxesField(label="Department types", initial=["1"])
    region = forms.ChoiceField(required=False)
    y = forms.ChoiceField(
        label="Performance",
        choices=(("after", "After the money"), ("change", "Change from before")),
        initial="change",
    )
    x = forms.ChoiceField(
        label="Funding",
        choices=(("total", "Total received"), ("per_1000", "Per 1,000 attendances")),
        initial="total",
    )

    def clean(self):
        data = super().clean()
        data.update(self._before_and_after())
        return data


class TrustsForm(FilterForm):
    kind = forms.ChoiceField(
        choices=(
            (Organisation.Kind.TRUST, "Trusts"),
            (Organisation.Kind.CCG, "Clinical commissioning groups"),
            (Organisation.Kind.PCT, "Primary care trusts"),
            (Organisation.Kind.HWB, "Health and wellbeing boards"),
            (Organisation.Kind.OTHER_PROVIDER, "Other A&E providers"),
        ),
        initial=Organisation.Kind.TRUST,
    )
    region = forms.ChoiceField(required=False)
    q = forms.CharField(label="Name or code", required=False, max_length=100)


class TrustForm(FilterForm):
    spc_from = DayMonthYearField(label="SPC chart starts", initial="2012-04-01")
    spc_to = DayMonthYearField(label="SPC chart ends", initial="2014-03-31")
    by = forms.ChoiceField(
        label="SPC chart points", choices=(("month", "Months"), ("week", "Weeks")), initial="month"
    )
    # One measure per chart: type 1, the measure the winter funds ranked trusts on and the
    # only one weekly figures count, unless every type (or another) is asked for.
    type = TypeCheckboxesField(label="SPC department types", initial=["1"])
    baseline = forms.IntegerField(
        label="Baseline points", required=False, min_value=2, help_text="blank: the first stretch"
    )
    change_at = forms.CharField(
        label="Limits start again at", required=False, max_length=200, help_text="e.g. 2013-04"
    )

    def clean(self):
        data = super().clean()
        if window := self._window("spc_from", "spc_to", "The SPC chart"):
            data["window"] = window
        if data.get("by") == "week" and data.get("type") and not weeks_answer(data["type"]):
            self.add_error(
                "type",
                "Weekly figures count type 1 attendances only: choose type 1 alone, or months",
            )
        return data


class ImpactForm(FilterForm):
    before_from = DayMonthYearField(label="Before window starts", required=False)
    before_to = DayMonthYearField(label="Before window ends", required=False)
    after_from = DayMonthYearField(label="After window starts", required=False)
    after_to = DayMonthYearField(label="After window ends", required=False)
    type = TypeCheckboxesField(label="Department types", initial=["1"])

    def window(self, side: str) -> Window | None:
        start = self.cleaned_data.get(f"{side}_from")
        end = self.cleaned_data.get(f"{side}_to")
        return Window(start, end) if isinstance(start, dt.date) and end else None

    def clean(self):
        data = super().clean()
        for side in ("before", "after"):
            given = [data.get(f"{side}_from"), data.get(f"{side}_to")]
            if any(given) and not all(given):
                self.add_error(
                    f"{side}_to",
                    f"Give both dates of the {side} window, or neither for the default one",
                )
        self._before_and_after()
        return data

    def filled(self, *, before: Window, after: Window) -> "ImpactForm":
        """The same form showing the windows the analysis used where the link left them out,
        so the reader changes the windows from what is on screen."""
        data = self.data.copy()
        for side, window in (("before", before), ("after", after)):
            for name, day in ((f"{side}_from", window.start), (f"{side}_to", window.end)):
                if not self.cleaned_data.get(name):
                    for key in [key for key in data if key.startswith(f"{name}_")]:
                        del data[key]
                    data[name] = day.isoformat()
        return type(self)(data)


class LeagueForm(FilterForm):
    parameters = {"start": "from", "end": "to"}

    start = DayMonthYearField(label="Window starts", initial="2013-01-01")
    end = DayMonthYearField(label="Window ends", initial="2013-03-31")
    type = TypeCheckboxesField(label="Department types", initial=["1"])
    region = forms.ChoiceField(required=False)
    limit = forms.IntegerField(
        label="How many trusts",
        initial=30,
        min_value=1,
        max_value=500,
        error_messages={
            "invalid": "How many trusts must be a whole number, like 30",
            "min_value": "How many trusts must be at least 1",
            "max_value": "How many trusts must be 500 or fewer",
        },
    )
    overdispersion = forms.ChoiceField(
        label="Funnel limits: overdispersion",
        choices=[
            (name, "none (binomial)" if name == "none" else name) for name in stats.OVERDISPERSION
        ],
        initial="additive",
    )

    def clean(self):
        data = super().clean()
        if window := self._window("start", "end", "The window"):
            data["window"] = window
        return data
