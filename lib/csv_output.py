"""CSV text from rows, safe to open in a spreadsheet, written a chunk at a time so that a
response or a file can stream it."""

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator

# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """A value as a CSV cell: several plain values joined by ";", several records (a report's
    spending lines) as a JSON array, which a reader can take apart again."""
    if value is None:
        return ""
    if isinstance(value, list | tuple) and any(isinstance(part, dict) for part in value):
        value = json.dumps(value, default=str, ensure_ascii=False)
    elif isinstance(value, list | tuple):
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
    # A line ends with \n, as in PostgreSQL's CSV, so that both paths write the same bytes.
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, rows_per_chunk)):
        writer.writerows(chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # a header and no rows
        yield buffer.getvalue()
