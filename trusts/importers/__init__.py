"""Importers for the public NHS files the product reads, one module per format.

`import_files` tells each file's format from its header, parses every row, and writes all
the files in one transaction: any bad row in any file writes nothing at all. A big file of a
format whose rows stand alone is read, parsed and written a chunk of rows at a time.
"""

from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.db import transaction

from ..signals import data_imported
from ..summaries import ae_summaries_import_refresh
from . import ae, gapfill, organisations, populations
from .base import ImportFailed, ImportResult, Problems, RowError, first_line, table_chunks
from .formats import Format

FORMATS: tuple[Format, ...] = (
    organisations.OdsReference(),
    organisations.ReferenceOrganisations(),
    organisations.ReferenceSuccessions(),
    organisations.PctToCcgLookup(),
    populations.RegisteredPatients(),
    populations.OnsPopulation(),
    populations.CcgAllocations(),
    ae.NhseMonthly(),
    ae.NhsrMonthly(),
    ae.BbcWeekly(),
    ae.BbcWinter(),
    gapfill.HowsMyNhsAllTypes(),
    gapfill.HowsMyNhsType1Share(),
    gapfill.Uzair163ByType(),
)

__all__ = ["FORMATS", "ImportFailed", "ImportResult", "RowError", "format_detect", "import_files"]


def format_detect(path: Path, *, category: str | None = None) -> Format | None:
    header = first_line(path)
    for candidate in FORMATS:
        if category and candidate.category != category:
            continue
        if candidate.matches(header):
            return candidate
    return None


def import_files(
    paths: Sequence[Path | str],
    *,
    category: str | None = None,
    dry_run: bool = False,
    create_unknown: bool = False,
) -> list[ImportResult]:
    """Imports the files in order, all or nothing; raises ImportFailed listing every problem.

    Files are written in the order given, inside one transaction, so a later file can refer
    to what an earlier one created (codes before the names that point at them). A code that
    no organisation has is refused unless `create_unknown`; then the new organisations are
    listed in the result.
    """
    results: list[ImportResult] = []
    with transaction.atomic():
        for raw_path in paths:
            path = Path(raw_path)
            problems = Problems(path.name)
            if not path.is_file():
                raise ImportFailed([RowError(path.name, None, "file", "does not exist")])
            chosen = format_detect(path, category=category)
            if chosen is None:
                problems.add(1, "header", _unknown_layout(path, category))
                raise ImportFailed(problems.errors)
            result = ImportResult(file=str(path), format=chosen.label, category=chosen.category)
            parse = chosen.parser()
            chunk_rows = settings.IMPORT_CHUNK_ROWS if chosen.streams else None
            tables = table_chunks(
                path, has_header=chosen.has_header, problems=problems, rows=chunk_rows
            )
            for table in tables:
                plan = parse(table, problems)
                result.rows += len(table.rows)
                if not create_unknown:
                    _unknown_codes_refuse(plan, problems)
                # After a problem the rest of the file is still read, so that every problem is
                # reported, but nothing more is written: the transaction will be rolled back.
                if table.rows and not problems:
                    chosen.write(plan, result)
            if not result.rows and not problems:
                problems.add(None, "file", "has no rows of figures, only a header")
            if problems:
                raise ImportFailed(problems.errors)
            result.dry_run = dry_run
            results.append(result)
        if dry_run:
            transaction.set_rollback(True)
        elif any(r.created or r.updated for r in results):
            ae_summaries_import_refresh(results=results)
            data_imported.send(sender=import_files, results=results)
    return results


def _unknown_codes_refuse(plan, problems: Problems) -> None:
    # A mistyped code, or a hostile file, would otherwise become a new organisation.
    places = getattr(plan, "new_organisation_places", {})
    for code, (line, field_name) in places.items():
        problems.add(
            line,
            field_name,
            f"{code!r} is not a known ODS code; import the organisations first, or pass "
            "--create-unknown to add it as a new one",
        )


def _unknown_layout(path: Path, category: str | None) -> str:
    header = first_line(path)
    shown = ", ".join(header[:6]) + (" ..." if len(header) > 6 else "")
    known = "; ".join(f.label for f in FORMATS if not category or f.category == category)
    return f"unknown column layout ({shown}); this command reads: {known}"
