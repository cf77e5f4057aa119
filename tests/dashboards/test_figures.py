"""The four-hour performance chart from plain rows: separate measures, gaps kept as gaps."""

from decimal import Decimal
from unittest import TestCase

from dashboards.figures import performance_over_time, spc


def _point(label, measure, percent, sources="NHS England monthly file"):
    return {
        "label": label,
        "types": measure,
        "series": {"1": "Type 1 (major A&E)", "all": "All types"}[measure],
        "attendances": None,
        "over_4h": None,
        "percent": None if percent is None else Decimal(percent),
        "sources": sources if percent is not None else "",
    }


POINTS = [
    _point("2015-02", "1", "88.05", "NHS England weekly sitrep"),
    _point("2015-03", "1", None),
    _point("2015-04", "1", None),
    _point("2015-06", "1", "92.26", "NHS England's published type 1 percentage (no counts)"),
    _point("2015-02", "all", "90.90", "Months apportioned from weekly sitreps (unofficial)"),
    _point("2015-03", "all", "91.56", "Months apportioned from weekly sitreps (unofficial)"),
    _point("2015-04", "all", "92.19", "Months apportioned from weekly sitreps (unofficial)"),
    _point("2015-06", "all", "94.61"),
]


class PerformanceOverTimeTests(TestCase):
    def test_type_1_and_all_types_are_separate_labelled_lines(self):
        figure = performance_over_time(POINTS, [])
        self.assertEqual([t.name for t in figure.data], ["Type 1 (major A&E)", "All types"])

    def test_a_month_without_a_figure_breaks_the_line(self):
        type_1 = performance_over_time(POINTS, []).data[0]
        self.assertEqual(list(type_1.y), [88.05, None, None, 92.26])
        self.assertIs(type_1.connectgaps, False)

    def test_the_chart_names_its_sources_and_its_latest_month(self):
        title = performance_over_time(POINTS, []).layout.title.text
        self.assertIn("Latest figure: 2015-06", title)
        for source in (
            "NHS England weekly sitrep",
            "NHS England's published type 1 percentage (no counts)",
            "Months apportioned from weekly sitreps (unofficial)",
            "NHS England monthly file",
        ):
            self.assertIn(source, title)


class SpcTests(TestCase):
    def test_the_spc_chart_names_its_latest_period_and_sources(self):
        row = {
            "percentage": "90.00",
            "mean": "90.00",
            "upper_limit": "95.00",
            "lower_limit": "85.00",
            "special_cause": "",
            "direction": "",
        }
        rows = [{**row, "period": "2013-01"}, {**row, "period": "2013-02"}]
        title = spc(rows, ["NHS England weekly sitrep"]).layout.title.text
        self.assertIn("Latest figure: 2013-02", title)
        self.assertIn("NHS England weekly sitrep", title)
