"""Department types, one field for the pages' forms and (through api.queries.FormField) the
API's query parameters."""

import pytest
from django import forms
from rest_framework import serializers

from api.queries import FormField
from trusts.forms import TypesField
from trusts.selectors import ALL_TYPES


def test_it_reads_a_list_of_types_without_repeats():
    assert TypesField().clean("1, 2,1") == ("1", "2")
    assert TypesField().clean("ALL") == ALL_TYPES


def test_a_blank_value_means_the_fields_empty_value():
    assert TypesField(empty_value="1").clean("") == ("1",)


def test_it_refuses_an_unknown_type_naming_the_choices():
    with pytest.raises(forms.ValidationError) as refused:
        TypesField().clean("3")
    assert refused.value.messages == ["'3': department types are 1, 2, other or all"]


def test_the_api_gives_the_same_refusal_for_its_query_parameter():
    class Query(serializers.Serializer):
        type = FormField(TypesField(), default=ALL_TYPES)

    query = Query(data={"type": "3"})
    assert not query.is_valid()
    assert query.errors["type"] == ["'3': department types are 1, 2, other or all"]
    defaulted = Query(data={})
    assert defaulted.is_valid() and defaulted.validated_data["type"] == ALL_TYPES
