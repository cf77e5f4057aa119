"""module_transaction (tests/conftest.py): what a module-scoped fixture writes in it, every test
of the module sees as written, whatever the tests before it changed; and no test sees it once the
module is done. The tests here run in file order, as pytest runs them."""

import pytest

from trusts.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def gone_afterwards(django_db_blocker):
    """Set up before module_transaction, so torn down after it: the shared row must be gone."""
    yield
    with django_db_blocker.unblock():
        assert not Organisation.objects.filter(ods_code="ZZSHARE").exists()


@pytest.fixture(scope="module")
def shared(gone_afterwards, module_transaction, django_db_blocker) -> int:
    with django_db_blocker.unblock():
        return Organisation.objects.create(ods_code="ZZSHARE", name="Shared", kind="trust").pk


def test_a_test_sees_what_the_module_wrote_and_may_change_it(shared):
    Organisation.objects.filter(pk=shared).update(name="Changed by a test")
    Organisation.objects.create(ods_code="ZZOWN", name="A test's own", kind="trust")


def test_the_next_test_sees_it_as_the_module_wrote_it_and_nothing_of_the_test_before(shared):
    assert Organisation.objects.get(pk=shared).name == "Shared"
    assert not Organisation.objects.filter(ods_code="ZZOWN").exists()
