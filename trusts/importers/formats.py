from typing import Any

from .base import ImportResult, Problems, Table


class Format:
    """One file layout: how to recognise it, parse it, and write what it holds."""

    label: str = ""
    category: str = ""  # "orgs" or "ae": which command reads it
    has_header: bool = True

    def matches(self, header: list[str]) -> bool:
        raise NotImplementedError

    def parse(self, table: Table, problems: Problems) -> Any:
        """Checks every row and returns a plan to write; records problems instead of raising."""
        raise NotImplementedError

    def write(self, plan: Any, result: ImportResult) -> None:
        raise NotImplementedError


def header_has(header: list[str], *names: str) -> bool:
    folded = {" ".join(cell.casefold().split()) for cell in header}
    return all(" ".join(name.casefold().split()) in folded for name in names)
