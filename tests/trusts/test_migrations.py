"""Data migrations of the trusts app, run on rows as they were stored before them."""

import importlib

import pytest
from django.apps import apps

from tests import factories
from trusts.models import Organisation

pytestmark = pytest.mark.django_db

capitalised = importlib.import_module("trusts.migrations.0008_bracketed_words_capitalised")


def test_0008_capitalises_a_word_after_a_bracket_but_not_in_englands_hand_written_name():
    provider = factories.organisation(
        Organisation.Kind.OTHER_PROVIDER, name="Synthetic Urgent Care (ascots Lane)"
    )
    ccg = factories.ccg(name="NHS Synthetic (westminster) CCG")
    england = factories.organisation(
        Organisation.Kind.NATIONAL, name="Synthetic England (all A&E providers)"
    )
    untouched = factories.trust(name="Synthetic (St Mary's) Trust")

    capitalised.bracketed_words_capitalise(apps, None)

    for organisation in (provider, ccg, england, untouched):
        organisation.refresh_from_db()
    assert provider.name == "Synthetic Urgent Care (Ascots Lane)"
    assert ccg.name == "NHS Synthetic (Westminster) CCG"
    assert england.name == "Synthetic England (all A&E providers)"
    assert untouched.name == "Synthetic (St Mary's) Trust"
