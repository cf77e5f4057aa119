from collections.abc import Callable
from typing import Any

from .base import ImportResult, Problems, Table


class Format:
    """One file layout: how to recognise it, parse it, and write what it holds."""

    label: str = ""
    category: str = ""  # "orgs" or "ae": which command reads it
    has_header: bool = True
    # A format whose rows each stand alone sets this: import_files then reads a big file a
    # chunk of rows at a time (IMPORT_CHUNK_ROWS), writing each chunk's plan before it reads
    # the next. The others are given the whole file as one chunk.
    streams: bool = False

    def matches(self, header: list[str]) -> bool:
        raise NotImplementedError

    def parse(self, table: Table, problems: Problems) -> Any:
        """Checks every row and returns a plan to write; records problems instead of raising."""
        raise NotImplementedError

    def parser(self) -> Callable[[Table, Problems], Any]:
        """What parses the chunks of one file, in order: a format that streams carries what
        the earlier chunks saw (keys, organisations) to the later ones."""
        return self.parse

    def write(self, plan: Any, result: ImportResult) -> None:
        raise NotImplementedError


def header_has(header: list[str], *names: str) -> bool:
    folded = {" ".join(cell.casefold().split()) for cell in header}
    return all(" ".join(name.casefold().split()) in folded for name in names)
