"""A short transaction's commit carries the data's new version (one commit, where a bump
after the commit makes two); inside an enclosing transaction the bump waits for that one's
commit, as every other write's does. Outside a test's transaction: commits are what is tested."""

import pytest
from django.db import transaction

from datacache import versions
from datacache.models import DataVersion
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def token() -> str:
    return DataVersion.objects.get().token


def test_a_short_transaction_commits_its_version_with_its_data(version_writes):
    before = token()
    with transaction.atomic():
        factories.trust()  # a save: its bump would wait for the commit
        versions.data_changed_before_commit()
        assert version_writes == [True]
    assert version_writes == [True]  # the save's bump is the same one, not a second
    assert token() != before


def test_inside_an_enclosing_transaction_the_bump_waits_for_its_commit(version_writes):
    before = token()
    with transaction.atomic():
        with transaction.atomic():
            factories.trust()
            versions.data_changed_before_commit()
        assert version_writes == []  # the row is not locked while the outer one goes on
    assert version_writes == [False]
    assert token() != before


def test_a_write_after_the_bump_gets_a_bump_of_its_own(version_writes):
    with transaction.atomic():
        versions.data_changed_before_commit()
        factories.trust()
    assert version_writes == [True, False]
