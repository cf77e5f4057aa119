"""An organisation's XmR chart by month (impact.selectors.organisation_spc) on small factory
data: a month with no figure is named and drawn as a gap, never joined over."""

import datetime as dt

import pytest

from dashboards.figures import spc
from impact import rows, selectors
from tests import factories
from trusts.selectors import ALL_TYPES
from trusts.windows import Window

pytestmark = pytest.mark.django_db

FIRST_HALF_2013 = Window(dt.date(2013, 1, 1), dt.date(2013, 6, 30))


@pytest.fixture
def trust_missing_march_and_april():
    trust = factories.trust("RZZ")
    for month, over_4h in ((1, 500), (2, 600), (5, 550), (6, 450)):
        factories.ae_month(trust, dt.date(2013, month, 1), 10_000, over_4h)
    return trust


def test_the_months_without_a_figure_are_named(trust_missing_march_and_april):
    chart = selectors.organisation_spc("RZZ", FIRST_HALF_2013, types=("1",), by="month")
    assert [row.label for row in chart.rows] == ["2013-01", "2013-02", "2013-05", "2013-06"]
    assert any("2013-03 to 2013-04" in note and "gap" in note for note in chart.notes)


def test_the_line_breaks_where_a_month_has_no_figure(trust_missing_march_and_april):
    chart = selectors.organisation_spc("RZZ", FIRST_HALF_2013, types=("1",), by="month")
    figure = spc(rows.spc_rows(chart))
    series = figure.data[0]
    assert list(series.y) == [95.0, 94.0, None, 94.5, 95.5]
    assert series.connectgaps is False
    for limit in figure.data[1:]:
        assert list(limit.y)[2] is None


def test_a_complete_series_has_no_gap_note():
    trust = factories.trust("RZY")
    for month in range(1, 7):
        factories.ae_month(trust, dt.date(2013, month, 1), 10_000, 500)
    chart = selectors.organisation_spc("RZY", FIRST_HALF_2013, types=("1",), by="month")
    assert not any("gap" in note for note in chart.notes)
    assert None not in list(spc(rows.spc_rows(chart)).data[0].y)


def test_weekly_figures_chart_type_1_and_nothing_else():
    trust = factories.trust("RZX")
    # Years after any real figure: the national data, if loaded, has no monthly figures there
    # that would make these months monthly ones.
    week_end = dt.date(2031, 1, 5)
    while week_end <= dt.date(2031, 3, 31):
        factories.ae_week(trust, week_end, 2_000, 100)
        week_end += dt.timedelta(days=7)
    window = Window(dt.date(2031, 1, 1), dt.date(2031, 3, 31))
    type_1 = selectors.organisation_spc("RZX", window, types=("1",), by="month")
    assert {row.grain for row in type_1.rows} == {"week"} and len(type_1.rows) == 3
    with pytest.raises(selectors.ImpactUnavailable, match="RZX has 0 month"):
        selectors.organisation_spc("RZX", window, types=ALL_TYPES, by="month")
    with pytest.raises(selectors.ImpactUnavailable, match="count type 1 attendances only"):
        selectors.organisation_spc("RZX", window, types=ALL_TYPES, by="week")


def test_a_month_holding_only_some_of_its_weeks_is_left_out_and_named():
    """The weekly sitreps end on 8 March 2015: March was charted from two of its five weeks
    (England's attendances halved) and flagged as special cause."""
    trust = factories.trust("RZW")
    week_end = dt.date(2031, 1, 5)
    while week_end <= dt.date(2031, 3, 9):
        factories.ae_week(trust, week_end, 2_000, 100 + week_end.day)
        week_end += dt.timedelta(days=7)
    window = Window(dt.date(2031, 1, 1), dt.date(2031, 3, 31))
    chart = selectors.organisation_spc("RZW", window, types=("1",), by="month")
    assert [row.label for row in chart.rows] == ["2031-01", "2031-02"]
    assert any("2031-03 holds 2 of its 5 weeks" in note for note in chart.notes)
