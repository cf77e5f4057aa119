"""The pages' filters: query-string forms, so a view is shared by its link."""

import datetime as dt

from django import forms

from funding.models import Fund
from trusts.forms import TypesField
from trusts.models import Organisation
from trusts.windows import Window


class FilterForm(forms.Form):
    """A GET form: a parameter left out of the link takes its field's initial value."""

    def __init__(self, data, **kwargs):
        values = {
            name: field.initial
            for name, field in self.base_fields.items()
            if field.initial is not None
        }
        values.update({name: data.get(name) for name in self.base_fields if name in data})
        super().__init__(values, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs["class"] = "nhsuk-select"
            else:
                widget.attrs["class"] = "nhsuk-input nhsuk-input--width-10"
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"


class PerformanceForm(FilterForm):
    fund = forms.ModelChoiceField(
        Fund.objects.order_by("announced_on"),
        to_field_name="slug",
        required=False,
        empty_label="Every fund",
        initial="ae-winter-2013-14",
    )
    before_from = forms.DateField(label="Before: from", initial="2012-11-01")
    before_to = forms.DateField(label="Before: to", initial="2013-03-31")
    after_from = forms.DateField(label="After: from", initial="2013-11-01")
    after_to = forms.DateField(label="After: to", initial="2014-03-31")
    type = TypesField(label="Department types", initial="1", empty_value="1")
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

    def __init__(self, data, *, regions, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].choices = [("", "Every region"), *((r, r) for r in regions)]

    def clean(self):
        data = super().clean()
        for side in ("before", "after"):
            start, end = data.get(f"{side}_from"), data.get(f"{side}_to")
            if start and end:
                if end < start:
                    self.add_error(f"{side}_to", "ends before it starts")
                else:
                    data[side] = Window(start, end)
        if "before" in data and "after" in data and data["before"].end >= data["after"].start:
            self.add_error("after_from", "the after window must start after the before window")
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

    def __init__(self, data, *, regions, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].choices = [("", "Every region"), *((r, r) for r in regions)]


class TrustForm(FilterForm):
    spc_from = forms.DateField(label="SPC chart from", initial="2012-04-01")
    spc_to = forms.DateField(label="SPC chart to", initial="2014-03-31")
    by = forms.ChoiceField(choices=(("month", "Month"), ("week", "Week")), initial="month")
    baseline = forms.IntegerField(
        label="Baseline points", required=False, min_value=2, help_text="blank: the first stretch"
    )
    change_at = forms.CharField(
        label="Limits start again at", required=False, max_length=200, help_text="e.g. 2013-04"
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("spc_from"), data.get("spc_to")
        if start and end:
            if end < start:
                self.add_error("spc_to", "ends before it starts")
            else:
                data["window"] = Window(start, end)
        return data


class ImpactForm(FilterForm):
    before_from = forms.DateField(label="Before: from", required=False)
    before_to = forms.DateField(label="Before: to", required=False)
    after_from = forms.DateField(label="After: from", required=False)
    after_to = forms.DateField(label="After: to", required=False)
    type = TypesField(label="Department types", initial="1", empty_value="1")

    def window(self, side: str) -> Window | None:
        start = self.cleaned_data.get(f"{side}_from")
        end = self.cleaned_data.get(f"{side}_to")
        return Window(start, end) if isinstance(start, dt.date) and end else None

    def clean(self):
        data = super().clean()
        for side in ("before", "after"):
            given = [data.get(f"{side}_from"), data.get(f"{side}_to")]
            if any(given) and not all(given):
                self.add_error(f"{side}_to", "give both dates, or neither for the default")
            elif all(given) and given[1] < given[0]:
                self.add_error(f"{side}_to", "ends before it starts")
        return data
