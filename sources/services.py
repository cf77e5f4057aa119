"""Keeping the A&E figures live: read NHS England's landing pages, fetch the monthly CSVs that
are new or changed, and import each through the all-or-nothing importer.

A file for a month already held is a revision: it replaces that month's figures for the
providers it lists, in the same transaction as the import, and the revision is recorded with
England's totals for the month before and after.
"""

import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from lib.tabular import Columns, Problems, table_read
from trusts.importers import ImportFailed, RowError, format_detect, import_files
from trusts.importers.ae import NhseMonthly
from trusts.models import AdmissionWaits, AEActivity, Grain, SourceFile
from trusts.services import content_digest
from trusts.summaries import ae_summaries_refresh

from . import spc
from .download import DownloadRefused, download
from .links import MonthlyLink, financial_year_of, monthly_csv_links
from .models import Fetch, Revision

Say = Callable[[str], None]


class FetchNotPossible(Exception):
    """The request cannot be made at all (no landing page known for the year asked for)."""


def default_financial_year(today: dt.date) -> str:
    """The year of last month's figures: those are the ones NHS England publishes this month."""
    return financial_year_of((today.replace(day=1) - dt.timedelta(days=1)).replace(day=1))


def ae_fetch(
    *,
    year: str | None = None,
    month: dt.date | None = None,
    dry_run: bool = False,
    say: Say = print,
) -> list[Fetch]:
    """Fetches and imports the year's monthly files that are new or changed; returns the fetches.

    Safe to run twice: a file whose ETag or bytes were seen before is not imported again."""
    year = year or (financial_year_of(month) if month else default_financial_year(_today()))
    page_url = settings.AE_LANDING_PAGES.get(year)
    if not page_url:
        known = ", ".join(sorted(settings.AE_LANDING_PAGES)) or "none"
        raise FetchNotPossible(f"no landing page is set for {year} (AE_LANDING_PAGES has: {known})")
    page = Fetch(kind=Fetch.Kind.PAGE, url=page_url, started_at=timezone.now())
    try:
        got = download(page_url)
    except DownloadRefused as refused:
        return [_finish(page, Fetch.Outcome.REFUSED, str(refused), say, dry_run, refused.status)]
    page.http_status = got.status
    links = monthly_csv_links(got.body.decode("utf-8", errors="replace"), page_url=page_url)
    if month:
        links = [link for link in links if link.month == month]
    if not links:
        wanted = f"{month:%B %Y}" if month else year
        message = f"{page_url}: no monthly provider CSV for {wanted} on the page"
        return [_finish(page, Fetch.Outcome.REFUSED, message, say, dry_run, got.status)]
    found = _finish(
        page,
        Fetch.Outcome.FOUND,
        f"{page_url}: {len(links)} monthly CSVs, {links[0].month:%B %Y} to {links[-1].month:%B %Y}",
        say,
        dry_run,
        got.status,
    )
    return [found, *(_file_fetch(link, dry_run=dry_run, say=say) for link in links)]


def _today() -> dt.date:
    return timezone.localdate()


def _finish(
    fetch: Fetch, outcome: str, message: str, say: Say, dry_run: bool, status: int | None = None
) -> Fetch:
    fetch.outcome = outcome
    fetch.message = message
    if status is not None:
        fetch.http_status = status
    fetch.finished_at = timezone.now()
    if not dry_run:
        fetch.save()
    say(f"{fetch.get_outcome_display()}: {message}")
    return fetch


def _file_fetch(link: MonthlyLink, *, dry_run: bool, say: Say) -> Fetch:
    previous = (
        Fetch.objects.filter(
            url=link.url,
            kind=Fetch.Kind.FILE,
            outcome__in=[Fetch.Outcome.IMPORTED, Fetch.Outcome.REVISED, Fetch.Outcome.UNCHANGED],
        )
        .exclude(etag="")
        .first()
    )
    fetch = Fetch(kind=Fetch.Kind.FILE, url=link.url, started_at=timezone.now(), month=link.month)
    try:
        got = download(link.url, etag=previous.etag if previous else "")
    except DownloadRefused as refused:
        return _finish(fetch, Fetch.Outcome.REFUSED, str(refused), say, dry_run, refused.status)
    if got.not_modified:
        fetch.etag, fetch.sha256 = previous.etag, previous.sha256
        message = f"{link.name}: not changed since {previous.started_at:%-d %b %Y} (same ETag)"
        return _finish(fetch, Fetch.Outcome.UNCHANGED, message, say, dry_run, got.status)
    fetch.http_status = got.status
    fetch.etag = got.etag
    fetch.sha256 = hashlib.sha256(got.body).hexdigest()
    fetch.size_bytes = len(got.body)
    known = SourceFile.objects.filter(sha256=content_digest(got.body)).first()
    if known:
        message = (
            f"{link.name}: the same bytes as {known.name}, imported "
            f"{timezone.localtime(known.imported_at):%-d %b %Y}"
        )
        return _finish(fetch, Fetch.Outcome.UNCHANGED, message, say, dry_run)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / link.name
        path.write_bytes(got.body)
        try:
            return month_import(path, month=link.month, fetch=fetch, dry_run=dry_run, say=say)
        except ImportFailed as failed:
            return _finish(fetch, Fetch.Outcome.INVALID, str(failed), say, dry_run)
        except IntegrityError:
            fetch.pk = None
            message = f"{link.name}: imported meanwhile by another fetch running at the same time"
            return _finish(fetch, Fetch.Outcome.UNCHANGED, message, say, dry_run)


def month_totals(month: dt.date) -> tuple[int, int]:
    """England's attendances and four-hour breaches for a month, over every provider held."""
    totals = AEActivity.objects.filter(grain=Grain.MONTH, period_start=month).aggregate(
        attendances=Sum("attendances"), over_4h=Sum("over_4h")
    )
    return totals["attendances"] or 0, totals["over_4h"] or 0


def month_import(
    path: Path, *, month: dt.date, fetch: Fetch, dry_run: bool = False, say: Say = print
) -> Fetch:
    """Imports one monthly provider CSV for `month`, recording the fetch (and any revision) in
    the same transaction; raises ImportFailed, having written nothing, if the file is bad."""
    if not isinstance(format_detect(path, category="ae"), NhseMonthly):
        raise ImportFailed(
            [RowError(path.name, 1, "header", f"is not the layout of {NhseMonthly.label}")]
        )
    with transaction.atomic():
        held = AEActivity.objects.filter(grain=Grain.MONTH, period_start=month)
        replaced_files = sorted(set(held.values_list("source_file", flat=True)))
        before = month_totals(month)
        [result] = import_files([path], category="ae")
        months = set(
            AEActivity.objects.filter(grain=Grain.MONTH, source_file=path.name)
            .values_list("period_start", flat=True)
            .distinct()
        )
        if months != {month}:
            shown = ", ".join(f"{held_month:%B %Y}" for held_month in sorted(months)) or "none"
            raise ImportFailed(
                [
                    RowError(
                        path.name,
                        None,
                        "Period",
                        f"holds figures for {shown}, but the page links it as {month:%B %Y}",
                    )
                ]
            )
        codes = _org_codes(path)
        removed = _stale_figures_remove(month=month, codes=codes, source_file=path.name)
        if removed:
            ae_summaries_refresh(months=[month])
        after = month_totals(month)
        fetch.rows = result.rows
        if not dry_run:
            SourceFile.objects.update_or_create(
                sha256=content_digest(path.read_bytes()),
                defaults={"name": path.name, "format": result.format, "rows": result.rows},
            )
        changed = result.created + result.updated
        if replaced_files:
            verb = "would revise" if dry_run else "revised"
            message = (
                f"{path.name}: {month:%B %Y} {verb}; attendances {before[0]:,} → {after[0]:,}, "
                f"over 4 hours {before[1]:,} → {after[1]:,} ({changed:,} figures changed, "
                f"{removed:,} removed)"
            )
            _finish(fetch, Fetch.Outcome.REVISED, message, say, dry_run)
            if not dry_run:
                Revision.objects.create(
                    fetch=fetch,
                    month=month,
                    source_file=path.name,
                    replaced_files=", ".join(replaced_files)[:500],
                    revised_at=fetch.finished_at,
                    attendances_before=before[0],
                    over_4h_before=before[1],
                    attendances_after=after[0],
                    over_4h_after=after[1],
                    rows_changed=changed,
                    rows_removed=removed,
                )
        else:
            verb = "would import" if dry_run else "imported"
            message = (
                f"{path.name}: {month:%B %Y} {verb}, {result.rows:,} rows; attendances "
                f"{after[0]:,}, over 4 hours {after[1]:,}"
            )
            _finish(fetch, Fetch.Outcome.IMPORTED, message, say, dry_run)
        if dry_run:
            transaction.set_rollback(True)
            return fetch
        if removed:
            # The import's own detection (sources.receivers) saw the figures just removed.
            spc.signals_detect(month=month, codes=codes)
    return fetch


def _org_codes(path: Path) -> set[str]:
    """Every provider the file lists, including any whose figures are all zero this time."""
    table = table_read(path, has_header=True, problems=Problems(path.name))
    columns = Columns(table.header)
    codes = {columns.value(row, "Org Code") for _, row in table.rows}
    return {code for code in codes if code and code.casefold() != "total"}


def _stale_figures_remove(*, month: dt.date, codes: set[str], source_file: str) -> int:
    """Removes the month's figures for the file's providers that the file no longer holds (a
    department type reported before and not now); every figure it does hold now names it."""
    removed = 0
    for model in (AEActivity, AdmissionWaits):
        stale = model.objects.filter(
            grain=Grain.MONTH, period_start=month, organisation__ods_code__in=codes
        ).exclude(source_file=source_file)
        removed += stale.count()
        stale.delete()
    return removed
