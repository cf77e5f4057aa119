"""CSV output with the same columns as the JSON, streamed, and safe to open in a spreadsheet."""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.http import StreamingHttpResponse
from django.middleware.gzip import GZipMiddleware
from rest_framework.renderers import BaseRenderer

from datacache.versions import code_version, data_version
from lib.csv_output import cell, csv_lines, csv_table


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        if isinstance(data, dict):
            data = [data]
        return "".join(csv_lines(data or []))


@dataclass(frozen=True)
class CsvFormat:
    """How a database value becomes a CSV cell: in Python, and as the same text written by
    PostgreSQL, an SQL expression of {v} (the value)."""

    python: Callable[[Any], str]
    sql: str


# Pence as pounds with two decimals, as serializers.pounds writes them.
POUNDS_SQL = "(({v})::numeric / 100)::numeric(20, 2)::text"


def iso_datetime_sql(time_zone: str) -> str:
    """A timestamp as DRF's DateTimeField writes it: ISO 8601 in `time_zone`, microseconds
    only when there are some, and Z for an offset of zero."""
    zone = "'" + time_zone.replace("'", "''") + "'"
    local, utc = f"(({{v}}) AT TIME ZONE {zone})", "(({v}) AT TIME ZONE 'UTC')"
    return (
        f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        " || CASE WHEN mod(date_part('microseconds', {v})::bigint, 1000000) = 0 THEN ''"
        " ELSE to_char({v}, '.US') END"
        f" || CASE WHEN {local} = {utc} THEN 'Z'"
        f" WHEN {local} > {utc} THEN '+' || to_char({local} - {utc}, 'HH24:MI')"
        f" ELSE '-' || to_char({utc} - {local}, 'HH24:MI') END"
    )


# cell() in SQL: a text that starts like a formula, and is not a number, gets a quote first.
NEUTRALISED_SQL = (
    # = + - @ tab and carriage return, by their codes: ascii() is the cheapest first-character test
    r"CASE WHEN ascii({t}) IN (61, 43, 45, 64, 9, 13)"
    r" AND {t} !~* '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[-+]?[0-9]+)?\s*$'"
    " THEN '''' || {t} ELSE NULLIF({t}, '') END"
)


class CsvStreamingMixin:
    """`?format=csv` streams every matching row (not one page) with the JSON's columns.

    A view may name its CSV columns (`csv_columns`: column -> ORM path, or (path,
    CsvFormat)) to stream straight from the database instead of a serializer per row: on
    PostgreSQL its own COPY writes the CSV, elsewhere a values query does. Plain paths are
    for text and integer fields, whose text is the same both ways. A test keeps those
    columns equal to the serializer's.
    """

    csv_name = "export"
    csv_columns: dict[str, str | tuple[str, CsvFormat]] | None = None

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        if self.csv_columns is not None and connection.vendor == "postgresql":
            lines = _copy_csv(queryset, self.csv_columns)
        elif self.csv_columns is not None:
            lines = _values_csv(queryset, self.csv_columns)
        else:
            # One serializer for every row: a serializer per row built its fields per row.
            serializer = self.get_serializer_class()(context=self.get_serializer_context())
            lines = csv_lines(
                serializer.to_representation(item) for item in queryset.iterator(chunk_size=2_000)
            )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.csv_name}.csv"'
        # Django's ConditionalGetMiddleware answers a matching If-None-Match with a 304 before
        # a row is read; it cannot hash a stream itself.
        response["ETag"] = csv_etag(request)
        return CSV_GZIP.process_response(request, response)


# CSV only: compressing pages that carry a CSRF token beside text from the query string would
# expose the token to BREACH, and JSON pages are small.
CSV_GZIP = GZipMiddleware(lambda request: None)


class GzippedCsvMixin:
    """An analysis view whose CSV is a rendered response, not a stream: gzipped for clients
    that accept it, as the lists' streamed CSVs are."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is None or renderer.format != "csv" or response.status_code != 200:
            return response
        return CSV_GZIP.process_response(request, response.render())


def csv_etag(request) -> str:
    """A CSV depends only on the code, the data and the query, so their versions name it."""
    versions = f"{code_version()}-{data_version()}-{request.get_full_path()}"
    return '"' + hashlib.sha256(versions.encode()).hexdigest()[:32] + '"'


def _paths_and_formats(columns: dict) -> tuple[list[str], list[CsvFormat | None]]:
    paths = [spec if isinstance(spec, str) else spec[0] for spec in columns.values()]
    formats = [None if isinstance(spec, str) else spec[1] for spec in columns.values()]
    return paths, formats


def _copy_csv(queryset, columns: dict) -> Iterator[str | bytes]:
    """The rows as CSV written by PostgreSQL (COPY ... TO STDOUT), formatted in SQL, under
    our own header line. Only text fields can hold a formula, so only they are neutralised."""
    paths, formats = _paths_and_formats(columns)
    try:
        inner, params = queryset.values_list(*paths).query.sql_with_params()
    except EmptyResultSet:  # a filter no row can meet, such as a year no fund covers
        yield from csv_table(list(columns), [])
        return
    values = [f"c{i}" for i in range(len(paths))]
    cells = []
    for value, path, f in zip(values, paths, formats, strict=True):
        if f is not None:
            cells.append(f.sql.format(v=value))
        elif isinstance(field_of(queryset.model, path), models.CharField | models.TextField):
            cells.append(NEUTRALISED_SQL.format(t=value))
        else:
            cells.append(f"{value}::text")
    # A projection of an ordered subquery keeps its order in PostgreSQL.
    statement = (
        f"COPY (SELECT {', '.join(cells)} FROM ({inner}) AS r({', '.join(values)})) "
        "TO STDOUT WITH (FORMAT csv)"
    )
    yield from csv_table(list(columns), [])
    # COPY sends a message a row; they go out in blocks, as a file would.
    block = bytearray()
    with connection.cursor() as cursor, cursor.connection.cursor().copy(statement, params) as copy:
        for row in copy:
            block += row
            if len(block) >= COPY_BLOCK_BYTES:
                yield bytes(block)
                block.clear()
    if block:
        yield bytes(block)


COPY_BLOCK_BYTES = 64 * 1024


def field_of(model, path: str) -> models.Field:
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


def _values_csv(queryset, columns: dict) -> Iterator[str]:
    paths, formats = _paths_and_formats(columns)
    rows = (
        [
            cell(value if f is None or value is None else f.python(value))
            for value, f in zip(row, formats, strict=True)
        ]
        for row in queryset.values_list(*paths).iterator(chunk_size=5_000)
    )
    return csv_table(list(columns), rows)
