"""Form fields for what trusts' figures are filtered by: one definition for the pages' forms
and the API's query parameters (api.queries.FormField adapts it)."""

from django import forms

from .selectors import types_parse


class TypesField(forms.CharField):
    """Department types as a link or a client writes them ("1", "1,2", "other", "all"); a blank
    value means `empty_value`."""

    def to_python(self, value):
        try:
            return types_parse(super().to_python(value))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
