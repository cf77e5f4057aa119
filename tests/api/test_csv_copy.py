"""On PostgreSQL the allocations CSV is written by COPY, with its cells formatted in SQL;
each format must write exactly what the Python path (and the JSON) writes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.fields import DateTimeField

from api.csv import NEUTRALISED_SQL, POUNDS_SQL, iso_datetime_sql
from api.serializers import pounds
from lib.csv_output import cell
from tests.conftest import service_missing

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        service_missing("the CSV export's COPY path needs PostgreSQL (DATABASE_URL)")


def sql_of(template: str, value, cast: str, name: str):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {template.format(**{name: name})} FROM (SELECT %s::{cast} AS {name}) AS x",
            [value],
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 11, 23, 15, 20, 1, 123456, tzinfo=UTC),  # GMT: Z
        dt.datetime(2026, 7, 1, 23, 30, 0, tzinfo=UTC),  # BST, next day, no microseconds
        dt.datetime(2014, 3, 30, 0, 59, 59, 5, tzinfo=UTC),  # the hour the clocks go forward
        dt.datetime(2013, 10, 27, 1, 0, 0, 500000, tzinfo=LONDON),
    ],
)
def test_timestamps_are_written_as_the_api_writes_them(postgresql, moment):
    written = sql_of(iso_datetime_sql(settings.TIME_ZONE), moment, "timestamptz", "v")
    assert written == DateTimeField().to_representation(moment)


@pytest.mark.parametrize("pence", [0, 1, 99, 100, 12_345, 22_100_000_000, 987_654_321_012])
def test_pence_are_written_as_pounds_as_the_api_writes_them(postgresql, pence):
    assert sql_of(POUNDS_SQL, pence, "bigint", "v") == pounds(pence)


@pytest.mark.parametrize(
    "text",
    [
        "=SUM(A1)",
        "+44 20 7946",
        "-5",
        "-5.5e3",
        "+.5",
        "@home",
        "\tx",
        "\rx",
        "- dash",
        "1e5",
        "plain",
        "",
        "O'Neill",
        'Trust, "the" one',
    ],
)
def test_formula_like_cells_are_neutralised_as_in_python(postgresql, text):
    assert (sql_of(NEUTRALISED_SQL, text, "text", "t") or "") == cell(text)
