"""CSV output with the same columns as the JSON, streamed, and safe to open in a spreadsheet."""

import csv
import io
import itertools
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ";".join(str(part) for part in value)
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def flatten(row: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def csv_lines(rows: Iterable[dict], *, rows_per_chunk: int = 500) -> Iterator[str]:
    """CSV text of JSON-shaped rows (nested objects become dotted columns), in chunks."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    header = list(flatten(first))
    cells = (
        [cell(flat.get(name)) for name in header]
        for flat in map(flatten, itertools.chain([first], rows))
    )
    yield from csv_table(header, cells, rows_per_chunk=rows_per_chunk)


def csv_table(
    header: list[str], rows: Iterable[Iterable], *, rows_per_chunk: int = 500
) -> Iterator[str]:
    """CSV text of a header and rows of cells, a chunk of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, rows_per_chunk)):
        writer.writerows(chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # a header and no rows
        yield buffer.getvalue()


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


class CsvStreamingMixin:
    """`?format=csv` streams every matching row (not one page) with the JSON's columns.

    A view may name its CSV columns (`csv_columns`: column -> ORM path, or (path, format))
    to stream straight from a values query instead of a serializer per row; a test keeps
    those columns equal to the serializer's.
    """

    csv_name = "export"
    csv_columns: dict[str, str | tuple] | None = None

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        if self.csv_columns is not None:
            lines = _values_csv(queryset, self.csv_columns)
        else:
            serializer_class = self.get_serializer_class()
            context = self.get_serializer_context()
            lines = csv_lines(
                serializer_class(item, context=context).data
                for item in queryset.iterator(chunk_size=2_000)
            )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.csv_name}.csv"'
        return response


def _values_csv(queryset, columns: dict[str, str | tuple]) -> Iterator[str]:
    paths = [spec if isinstance(spec, str) else spec[0] for spec in columns.values()]
    formats = [None if isinstance(spec, str) else spec[1] for spec in columns.values()]
    rows = (
        [
            cell(value if f is None or value is None else f(value))
            for value, f in zip(row, formats, strict=True)
        ]
        for row in queryset.values_list(*paths).iterator(chunk_size=5_000)
    )
    return csv_table(list(columns), rows)
