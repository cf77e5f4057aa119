"""Reading a CSV safely: the whole file (or, for a big one, each chunk of rows) parsed before
anything is written, and every problem recorded with the file, line and field it is about, so
that one message tells the user where to look.
"""

import codecs
import csv
import functools
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

# A file bigger than this is not one of the public files we know; refusing it early keeps
# a mistaken upload from exhausting the worker's memory.
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    file: str
    line: int | None
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.reason}"


class ImportFailed(Exception):
    """Raised with every problem found; nothing was written."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        shown = "\n".join(str(error) for error in self.errors[:200])
        more = len(self.errors) - 200
        super().__init__(shown + (f"\n... and {more} more" if more > 0 else ""))


class Problems:
    """Collects row errors for one file."""

    def __init__(self, file: str):
        self.file = file
        self.errors: list[RowError] = []

    def add(self, line: int | None, field_name: str, reason: str) -> None:
        self.errors.append(RowError(self.file, line, field_name, reason))

    def __bool__(self) -> bool:
        return bool(self.errors)


@dataclass
class Table:
    """A CSV read into memory: its header (None for headerless files) and numbered rows."""

    path: Path
    header: list[str] | None
    rows: list[tuple[int, list[str]]]

    @property
    def name(self) -> str:
        return self.path.name


def table_read(path: Path, *, has_header: bool, problems: Problems) -> Table | None:
    """Reads a whole CSV file, or records why it cannot be read and returns None."""
    if _too_big(path.stat().st_size, problems):
        return None
    return table_parse(path.read_bytes(), path, has_header=has_header, problems=problems)


def table_parse(raw: bytes, path: Path, *, has_header: bool, problems: Problems) -> Table | None:
    """Parses a whole CSV held in memory (an upload, or a file's bytes), or records why it
    cannot be read and returns None. Blank lines are left out; rows keep their line numbers."""
    if _too_big(len(raw), problems):
        return None
    text = _text(raw, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    return next(_tables(reader, path, has_header=has_header, problems=problems, rows=None), None)


def table_chunks(
    path: Path, *, has_header: bool, problems: Problems, rows: int | None
) -> Iterator[Table]:
    """Reads a CSV file `rows` rows at a time (the whole file at once if None), so that a big
    file need not be held in memory; each chunk is a Table with the file's header.

    A file that is not UTF-8 text, or holds NUL bytes, is refused as table_read refuses it,
    before any chunk. The first chunk comes even when the file has no rows, so that its header
    is checked; a row the csv module cannot read ends the chunks with a problem at its line.
    """
    if _too_big(path.stat().st_size, problems) or not _text_checked(path, problems):
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from _tables(
            csv.reader(handle), path, has_header=has_header, problems=problems, rows=rows
        )


def _tables(
    reader, path: Path, *, has_header: bool, problems: Problems, rows: int | None
) -> Iterator[Table]:
    header = None
    chunk: list[tuple[int, list[str]]] = []
    yielded = False
    try:
        for row in reader:
            if not _filled(row):
                continue
            if has_header and header is None:
                header = [cell.strip() for cell in row]
                if len(header) == 1 and (separator := _other_separator(header[0])):
                    problems.add(
                        reader.line_num,
                        "header",
                        f"the columns are separated by {separator}: separate them with commas "
                        "(a spreadsheet's 'CSV UTF-8 (comma delimited)')",
                    )
                    return
                continue
            if header is not None and len(row) > len(header) and _filled(row[len(header) :]):
                problems.add(
                    reader.line_num,
                    "row",
                    f"{len(row)} values, but the header has {len(header)} columns: put a value "
                    'that holds a comma in double quotes ("1,000")',
                )
                continue
            chunk.append((reader.line_num, row))
            if rows is not None and len(chunk) == rows:
                yield Table(path, header, chunk)
                chunk, yielded = [], True
    except csv.Error as error:
        problems.add(reader.line_num, "file", f"not valid CSV: {error}")
        return
    if has_header and header is None:
        problems.add(None, "file", "is empty")
        return
    if chunk or not yielded:
        yield Table(path, header, chunk)


def _filled(cells: Sequence[str]) -> bool:
    """Whether any of these cells holds a value: a spreadsheet's trailing empty cells are not
    values beyond the header."""
    return any(cell.strip() for cell in cells)


def _other_separator(cell: str) -> str | None:
    """What a header read as one column was separated by instead of commas, if anything:
    spreadsheets in many locales write semicolons."""
    for character, name in ((";", "semicolons"), ("\t", "tabs")):
        if character in cell:
            return name
    return None


def _text(raw: bytes, problems: Problems) -> str | None:
    """A file's bytes as text, or None with the reason recorded."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.add(
            None,
            "file",
            f"not UTF-8 text (byte {error.start}: {raw[error.start : error.start + 1]!r}); "
            "save it as UTF-8 CSV",
        )
        return None
    if "\x00" in text:
        problems.add(None, "file", "contains NUL bytes; it is not a CSV file")
        return None
    return text


def _text_checked(path: Path, problems: Problems) -> bool:
    """Whether a file is UTF-8 text without NUL bytes; if not, records why."""
    if _is_text(path):
        return True
    # Only a refused file is read whole (it is no bigger than MAX_FILE_BYTES), to say why in
    # table_parse's words, with the position of the offending byte in the file.
    _text(path.read_bytes(), problems)
    return False


def _is_text(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while block := handle.read(1 << 20):
                if b"\x00" in block:
                    return False
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _too_big(size: int, problems: Problems) -> bool:
    if size > MAX_FILE_BYTES:
        problems.add(None, "file", f"{size:,} bytes is larger than the {MAX_FILE_BYTES:,} allowed")
    return size > MAX_FILE_BYTES


def first_line(path: Path) -> list[str]:
    """The first CSV row, for telling formats apart by their header."""
    with path.open("rb") as handle:
        raw = handle.read(64 * 1024)
    text = raw.decode("utf-8-sig", errors="replace")
    for row in csv.reader(io.StringIO(text, newline="")):
        return [cell.strip() for cell in row]
    return []


@functools.lru_cache(maxsize=1024)
def column_key(name: str) -> str:
    """Header names compare without case or repeated spaces ("Org Code" is "org  code")."""
    return " ".join(name.casefold().split())


class Columns:
    """Maps header names to positions, case- and space-insensitively."""

    def __init__(self, header: Sequence[str]):
        self.positions: dict[str, int] = {}
        for position, name in enumerate(header):
            key = column_key(name)
            if key:
                self.positions.setdefault(key, position)

    def has(self, name: str) -> bool:
        return column_key(name) in self.positions

    def missing(self, names: Iterable[str]) -> list[str]:
        return [name for name in names if not self.has(name)]

    def value(self, row: Sequence[str], name: str) -> str:
        position = self.positions.get(column_key(name))
        if position is None or position >= len(row):
            return ""
        return row[position].strip()
