"""Writes to the trusts app that are more than one import: loading the data we ship."""

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from lib.bulk import planner_statistics_refresh

from .importers import import_files
from .models import SourceFile

DATA = settings.DATA_DIR
REFERENCE = settings.BASE_DIR / "trusts" / "data"
GAPFILL = DATA / "monthly_ae_2010-2020_gapfill"

# Each stage reads what the stages before it wrote (codes before names, names before
# name-keyed files), and is imported as one all-or-nothing unit.
ORGANISATION_STAGES: tuple[tuple[Path, ...], ...] = (
    (DATA / "ods_etr_nhs_trusts.csv", DATA / "ods_eccg_ccgs.csv", REFERENCE / "organisations.csv"),
    (
        DATA / "pct_to_ccg_2013_lookup.csv",
        REFERENCE / "successions.csv",
        DATA / "ccg_allocations_2013-14_to_2015-16.csv",
        DATA / "hscic_gp_registered_patients_by_ccg_2015.csv",
    ),
    (DATA / "ccg_ons_population_mid2012_to_mid2016.csv",),
)
AE_STAGES: tuple[tuple[Path, ...], ...] = (
    # The winter file first: its names and codes identify many trusts in the weekly series,
    # and its real breach counts are kept where the weekly series only derives them.
    (DATA / "bbc_weekly_ae_type1_by_trust_winter_2014-15.csv",),
    (DATA / "bbc_weekly_ae_type1_by_trust_2010-11_to_2014-12.csv",),
    (DATA / "nhsr_ae_attendances_2016-04_2019-03.csv",),
    # data/nhse_monthly_ae_csv_2025 holds earlier releases of six of these months; the
    # revised releases here supersede them (data/SOURCES.md, file 11).
    tuple(sorted((DATA / "nhse_monthly_ae_csv_2020-2026").glob("*.csv"))),
    # Gap-fill after the official files and NHS-R, so precedence (basis_outranks) sees what
    # they hold; the by-type 2019-20 file before the all-types totals it outranks.
    (
        GAPFILL / "uzair163_monthly_ae_by_trust_type_2019-04_to_2020-03.csv",
        GAPFILL / "howsmynhs_monthly_ae_alltypes_by_provider_2010-11_to_2020-03.csv",
        GAPFILL / "howsmynhs_monthly_ae_type1_share_by_provider_2015-06_to_2020-03.csv",
    ),
)


IMPORTER_CODE = (settings.BASE_DIR / "trusts" / "importers", REFERENCE)


def importer_code_files() -> list[Path]:
    """The importers' modules, in every package below trusts/importers, and the reference
    files they read (name aliases)."""
    return [
        path
        for folder in IMPORTER_CODE
        for path in sorted(folder.rglob("*"))
        if path.suffix in (".py", ".csv") and path.is_file()
    ]


@functools.cache
def importer_digest() -> str:
    """A digest of the importers' code and the reference files they read: a change to how
    files are read makes every file new again, so it is imported afresh."""
    digest = hashlib.sha256()
    for path in importer_code_files():
        digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def import_digest(path: Path) -> str:
    """The file's content as read by this version of the importers."""
    return content_digest(path.read_bytes())


def content_digest(content: bytes) -> str:
    """What identifies a file's import (SourceFile.sha256): its bytes and the importer code."""
    return hashlib.sha256(importer_digest().encode() + content).hexdigest()


def stage_import(paths: tuple[Path, ...], *, say: Callable[[str], None]) -> bool:
    """Imports a stage unless every one of its files was imported before, byte for byte and by
    the same importer code; whether it imported."""
    digests = {path: import_digest(path) for path in paths}
    known = set(
        SourceFile.objects.filter(sha256__in=digests.values()).values_list("sha256", flat=True)
    )
    if known >= set(digests.values()):
        more = " ..." if len(paths) > 3 else ""
        say(f"  unchanged: {', '.join(p.name for p in paths[:3])}{more}")
        return False
    # The shipped monthly files list urgent treatment centres and independent providers
    # that no ODS file we ship has; they are added as "other A&E providers".
    for result in import_files(list(paths), create_unknown=True):
        path = Path(result.file)
        # Only the latest import of a file counts: going back to earlier importer code
        # must import it again too.
        SourceFile.objects.filter(name=path.name).exclude(sha256=digests[path]).delete()
        SourceFile.objects.update_or_create(
            sha256=digests[path],
            defaults={"name": path.name, "format": result.format, "rows": result.rows},
        )
        say(f"  {result}")
    return True


def shipped_data_load(*, say: Callable[[str], None] = print) -> None:
    say("Organisations, populations and budgets:")
    imported = [stage_import(stage, say=say) for stage in ORGANISATION_STAGES]
    say("A&E activity:")
    imported += [stage_import(stage, say=say) for stage in AE_STAGES]
    # Measured on PostgreSQL straight after loading into an empty database, before and after
    # (first requests): a trust's page 0.22 s and 0.13 s, the winter fund's 1.35 s and
    # 0.87 s, the overview 0.12 s and 0.06 s. With nothing imported, nothing changed.
    if any(imported):
        planner_statistics_refresh()
