"""How a window's figures are read: the days around its whole months from the figures, whose
window index carries what is summed, and the whole months from the summaries' rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.conftest import service_missing
from trusts.models import Grain
from trusts.selectors import _figure_blocks, activity_in, performance_by_organisation
from trusts.windows import Window

pytestmark = pytest.mark.django_db


def test_a_windows_part_month_figures_are_read_from_the_window_index_alone():
    """At 10x England the days of 15 to 31 January (4,500 weekly figures) took 6.3 ms read
    through the index from the table, a page each, and 1.3 ms from the index alone."""
    if connection.vendor != "postgresql":
        service_missing("index-only scans are PostgreSQL's: run with DATABASE_URL=postgres://")
    days = Window(dt.date(2031, 1, 15), dt.date(2031, 1, 31))
    figures = activity_in(days, types=["1"], grain=Grain.WEEK)
    sql, params = _figure_blocks(figures).query.sql_with_params()
    with connection.cursor() as cursor:
        # Table scans off: on a table this small any way in would do.
        for method in ("seqscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "Index Only Scan using ae_window" in plan, plan


def test_one_types_totals_read_each_blocks_summary_row_as_it_is():
    """Of one department type an organisation has one summary row a block: summing its
    blocks again grouped 7,500 rows for nothing in a five-month window at 10x England."""
    trusts = [factories.trust(), factories.trust()]
    months = [dt.date(2031, 1, 1), dt.date(2031, 2, 1)]
    factories.ae_months(
        {(t, m): (1_000 * (n + 1), 100) for n, t in enumerate(trusts) for m in months}
    )

    with CaptureQueriesContext(connection) as queries:
        rows = performance_by_organisation(
            Window(dt.date(2031, 1, 1), dt.date(2031, 2, 28)), types=["1"], kinds=["trust"]
        )

    (totals,) = [q["sql"] for q in queries if "COUNT(*) OVER" in q["sql"]]
    assert totals.count("GROUP BY") == 1  # the organisation's sum of its blocks
    assert [(r.ods_code, r.attendances, r.over_4h) for r in rows] == [
        (trusts[0].ods_code, 2_000, 200),
        (trusts[1].ods_code, 4_000, 200),
    ]
