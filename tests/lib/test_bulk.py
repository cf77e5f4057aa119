"""lib.bulk's delete: the rows go without being read, and the bulk-write signal is sent once
(the data cache's version follows it), or not at all when nothing matched."""

import datetime as dt

import pytest

from lib.bulk import rows_delete, rows_written
from tests import factories
from trusts.models import AEMonthSummary

pytestmark = pytest.mark.django_db


def test_the_matching_rows_go_and_the_signal_is_sent_once():
    trust = factories.trust("ZB1")
    for month in (1, 2):
        factories.ae_month(trust, dt.date(2031, month, 1), 1_000, 10)
    sent = []
    rows_written.connect(lambda sender, **kwargs: sent.append(sender), weak=False, dispatch_uid="t")
    try:
        rows_delete(AEMonthSummary.objects.filter(organisation=trust, month=dt.date(2031, 1, 1)))
        rows_delete(AEMonthSummary.objects.filter(organisation=trust, month=dt.date(2031, 5, 1)))
    finally:
        rows_written.disconnect(dispatch_uid="t")
    months = AEMonthSummary.objects.filter(organisation=trust).values_list("month", flat=True)
    assert list(months) == [dt.date(2031, 2, 1)]
    assert sent == [AEMonthSummary]
