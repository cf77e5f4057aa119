"""Query-string parameters of the analysis endpoints, validated with field-named errors."""

import datetime as dt

from django import forms
from rest_framework import serializers

from trusts.forms import TypesField
from trusts.selectors import ALL_TYPES, PERIOD_GRAINS, WEEKLY_TYPES, regions, weeks_answer
from trusts.windows import Window

# Query names that are Python keywords are held under other names while validated.
RENAMED = {"from": "start", "to": "end"}


def query_validate(serializer_class, params) -> dict:
    """Validated query values; a 400 naming each bad parameter as the client wrote it."""
    data = {RENAMED.get(name, name): value for name, value in params.items()}
    query = serializer_class(data=data)
    if not query.is_valid():
        back = {held: name for name, held in RENAMED.items()}
        raise serializers.ValidationError(
            {back.get(name, name): messages for name, messages in query.errors.items()}
        )
    return query.validated_data


class FormField(serializers.CharField):
    """A query parameter checked by a Django form field, so that the pages' forms and the API
    share one definition of it. A default is given already cleaned, since DRF does not pass
    defaults through to_internal_value."""

    def __init__(self, form_field: forms.Field, **kwargs):
        self.form_field = form_field
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return self.form_field.clean(super().to_internal_value(data))
        except forms.ValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class WindowField(serializers.CharField):
    """FROM,TO as two ISO dates."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        parts = [part.strip() for part in text.split(",")]
        try:
            start, end = (dt.date.fromisoformat(part) for part in parts)
        except ValueError:
            raise serializers.ValidationError(
                f"{text!r}: write two dates as FROM,TO, e.g. 2012-11-01,2013-03-31"
            ) from None
        if end < start:
            raise serializers.ValidationError(f"{text!r}: TO is before FROM")
        return Window(start, end)


class WindowQuery(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    type = FormField(TypesField(), default=ALL_TYPES)

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": "must not be before from"})
        attrs["window"] = Window(attrs["start"], attrs["end"])
        return attrs


class RegionField(serializers.CharField):
    """A region some organisation is in, as the pages offer them: one that none is in is the
    client's mistake, not an empty list (nor, ignored, every trust in England)."""

    def to_internal_value(self, data):
        region = super().to_internal_value(data)
        known = regions()
        if region not in known:
            raise serializers.ValidationError(
                f"{region!r} is not a region any organisation is in: {', '.join(known)}"
            )
        return region


class LeagueQuery(WindowQuery):
    limit = serializers.IntegerField(min_value=1, max_value=5000, required=False)
    region = RegionField(required=False)


class ByPeriodQuery(WindowQuery):
    """Figures by period: weeks are of type 1, the only type weekly figures count, unless
    the client asks for others, which is refused by name."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["by"] == "week" and not weeks_answer(attrs["type"]):
            if "type" in self.initial_data:
                raise serializers.ValidationError(
                    {
                        "type": "weekly figures count type 1 attendances only: ask for "
                        "type=1, or by a longer period"
                    }
                )
            attrs["type"] = tuple(WEEKLY_TYPES)
        return attrs


class SeriesQuery(ByPeriodQuery):
    by = serializers.ChoiceField(choices=PERIOD_GRAINS, default="month")
    region = RegionField(required=False)


class SpcQuery(ByPeriodQuery):
    code = serializers.CharField(max_length=12)
    by = serializers.ChoiceField(choices=("week", "month"), default="month")
    baseline = serializers.IntegerField(min_value=2, required=False)
    change_at = serializers.CharField(required=False, max_length=500)


class FunnelQuery(WindowQuery):
    region = serializers.CharField(max_length=12, required=False)
    overdispersion = serializers.ChoiceField(
        choices=("additive", "multiplicative", "none"), default="additive"
    )


class ImpactQuery(serializers.Serializer):
    before = WindowField(required=False)
    after = WindowField(required=False)
    type = FormField(TypesField(), default=("1",))
    control = serializers.ChoiceField(
        choices=("unfunded", "other_funds", "near_miss"), default="other_funds"
    )
