import datetime as dt
from unittest import TestCase

import pytest

from sources.models import SpcSignal
from sources.spc import (
    _one_decimal,
    months_back,
    newest_months,
    series_signal,
    signals_detect,
    signals_detect_months,
)
from tests import factories
from trusts.models import AEActivity

MARCH = dt.date(2026, 3, 1)


def steady(months: int, *, last_over: int = 100) -> list[tuple[dt.date, int, int]]:
    """1,000 attendances a month, alternately 100 and 120 over four hours (90% and 88%), and
    the newest month `last_over`."""
    points = [(months_back(MARCH, months - 1 - i), 1000, 100 + 20 * (i % 2)) for i in range(months)]
    points[-1] = (MARCH, 1000, last_over)
    return points


class SeriesSignalTest(TestCase):
    def test_a_month_far_below_the_limits_is_a_concern(self):
        # 23 months at 90% and 88% and then 50%: mean 87.4%, average moving range
        # (22 × 2 + 40) / 23 = 3.65 points, lower limit 87.4 - 2.66 × 3.65 = 77.7% > 50%.
        point = series_signal(steady(24, last_over=500), MARCH)
        self.assertEqual((point.special_cause, point.direction), ("outside_limits", "concern"))
        self.assertEqual(point.value, 50.0)

    def test_common_cause_variation_is_no_signal(self):
        self.assertIsNone(series_signal(steady(24, last_over=120), MARCH))

    def test_too_short_a_series_is_no_signal(self):
        self.assertIsNone(series_signal(steady(11, last_over=500), MARCH))

    def test_a_series_with_a_gap_or_not_ending_at_the_month_is_no_signal(self):
        gap = steady(24, last_over=500)
        del gap[5]
        self.assertIsNone(series_signal(gap, MARCH))
        self.assertIsNone(series_signal(steady(24, last_over=500), dt.date(2026, 4, 1)))

    def test_months_back_crosses_years(self):
        self.assertEqual(months_back(MARCH, 3), dt.date(2025, 12, 1))
        self.assertEqual(months_back(MARCH, 27), dt.date(2023, 12, 1))


def _found(signals) -> list[tuple]:
    return sorted((s.scope, s.subject, s.month, s.rule, s.direction, s.percent) for s in signals)


@pytest.mark.django_db
def test_months_detected_together_find_what_each_month_alone_finds():
    """An import of many months reads every month's series in one query: each month must
    still see only its own two years, its own providers and their whole region."""
    february = months_back(MARCH, 1)
    first, second, steady_trust = (factories.trust(region="Test") for _ in range(3))
    over_4h = {}
    for i in range(26):
        month = months_back(MARCH, 25 - i)
        over_4h[first, month] = 500 if month >= february else 100 + 20 * (i % 2)
        # 25 months before March, in February's two years but not in March's, the second
        # trust saw nobody within four hours: March's limits must not see it.
        over_4h[second, month] = 500 if month == MARCH else 1000 if i == 1 else 100 + 20 * (i % 2)
        over_4h[steady_trust, month] = 100 + 20 * (i % 2)
    factories.ae_months({key: (1000, over) for key, over in over_4h.items()})
    # The first trust is news in February only, the second in March.
    months = {february: {first.ods_code}, MARCH: {second.ods_code}}

    together = signals_detect_months(months)
    SpcSignal.objects.all().delete()
    alone = [
        signal
        for month, codes in months.items()
        for signal in signals_detect(month=month, codes=codes)
    ]

    assert _found(together) == _found(alone)
    trusts = {(s.subject, s.month): s for s in together if s.scope == "trust"}
    assert set(trusts) == {(first.ods_code, february), (second.ods_code, MARCH)}
    own_two_years = [
        (months_back(MARCH, back), 1000, over_4h[second, months_back(MARCH, back)])
        for back in range(24)
    ]
    expected = series_signal(own_two_years, MARCH)
    signal = trusts[second.ods_code, MARCH]
    assert (signal.mean, signal.lower_limit) == (
        _one_decimal(expected.mean),
        _one_decimal(expected.lower),
    )


@pytest.mark.django_db
def test_each_files_newest_month_with_the_providers_it_gives_then():
    """A file spanning months is news only at its newest; a month that is one file's newest
    and another's older month takes only the first file's providers."""
    january, february = months_back(MARCH, 2), months_back(MARCH, 1)
    spanning, late, february_only, other = (factories.trust() for _ in range(4))
    written = {
        "history.csv": [(spanning, january), (late, february), (spanning, MARCH)],
        "february.csv": [(february_only, february)],
        "elsewhere.csv": [(other, MARCH)],
    }
    for source_file, figures in written.items():
        for organisation, month in figures:
            factories.ae_month(organisation, month, 1000, 100)
            AEActivity.objects.filter(organisation=organisation, period_start=month).update(
                source_file=source_file
            )

    assert newest_months(file_names=["history.csv", "february.csv", "missing.csv"]) == {
        MARCH: {spanning.ods_code},
        february: {february_only.ods_code},
    }
