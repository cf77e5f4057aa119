import datetime as dt
from unittest import TestCase

from sources.spc import months_back, series_signal

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
