"""Keeping the A&E summary tables (AEMonthSummary, AEQuarterSummary, AEYearSummary and
AEEnglandPeriod) equal to sums of AEActivity.

Every write of A&E figures ends here, inside its own transaction: the importers
(trusts.importers.import_files, whatever the format), a fetched revision's removal of stale
figures (sources.services) and the benchmark's loader. Only the months written are summed
again, then the quarters and years that hold them, from the month rows; the summaries are
plain tables, so SQLite and PostgreSQL keep them alike.
"""

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from django.db import connection
from django.db.models import Case, Count, Min, Q, QuerySet, Sum, When
from django.db.models.functions import ExtractYear, TruncMonth, TruncQuarter

from lib.bulk import rows_delete

from .models import (
    AEActivity,
    AEEnglandPeriod,
    AEMonthSummary,
    AEQuarterSummary,
    AEYearSummary,
    Basis,
)

ENGLAND_CODE = "ENG"
BASIS_COUNTS = tuple(f"figures_{basis}" for basis in Basis.values)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def quarter_of(month: dt.date) -> dt.date:
    return month.replace(month=(month.month - 1) // 3 * 3 + 1)


def financial_year_start(month: dt.date) -> int:
    return month.year if month.month >= 4 else month.year - 1


def _month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _ending_in(months: Iterable[dt.date], field: str = "period_end") -> Q:
    """Rows whose date falls in one of the months, as one date range per run of months."""
    where = Q(pk__in=[])
    runs: list[list[dt.date]] = []
    for month in sorted(set(months)):
        if runs and _month_end(runs[-1][1]) + dt.timedelta(days=1) == month:
            runs[-1][1] = month
        else:
            runs.append([month, month])
    for first, last in runs:
        where |= Q(**{f"{field}__range": (first, _month_end(last))})
    return where


def ae_months_written(source_files: Iterable[str]) -> set[dt.date]:
    """The months of the figures that name these files: where an import wrote (a figure it
    replaced or removed was for a provider-month it writes)."""
    names = set(source_files)
    if not names:
        return set()
    return {
        month_of(day)
        for day in AEActivity.objects.filter(source_file__in=names)
        .values_list("period_end", flat=True)
        .distinct()
    }


def ae_summaries_import_refresh(*, results: Iterable) -> None:
    """After an import (ImportResult of each file) wrote A&E figures: the months it wrote."""
    changed = [r for r in results if r.category == "ae" and (r.created or r.updated)]
    if changed:
        ae_summaries_refresh(months=ae_months_written(Path(r.file).name for r in changed))


def ae_summaries_refresh(*, months: Iterable[dt.date] | None = None) -> None:
    """Sums the given months (first days; every month when None) again from AEActivity, and
    the financial quarters and years that hold them from the month rows."""
    if months is None:
        for model in (AEMonthSummary, AEQuarterSummary, AEYearSummary, AEEnglandPeriod):
            rows_delete(model.objects.all())
        raw = AEActivity.objects.all()
        quarters, years = None, None
    else:
        months = {month_of(month) for month in months}
        if not months:
            return
        raw = AEActivity.objects.filter(_ending_in(months))
        rows_delete(AEMonthSummary.objects.filter(month__in=months))
        rows_delete(AEEnglandPeriod.objects.filter(_ending_in(months)))
        quarters = {quarter_of(month) for month in months}
        years = {financial_year_start(month) for month in months}
        rows_delete(AEQuarterSummary.objects.filter(quarter__in=quarters))
        rows_delete(AEYearSummary.objects.filter(financial_year__in=years))
    counted = Q(over_4h__isnull=False)
    _insert(
        AEMonthSummary,
        raw.filter(counted)
        .annotate(month=TruncMonth("period_end"))
        .values("organisation_id", "grain", "month", "department_type")
        .annotate(
            # NHS financial quarters start in January, April, July and October, as
            # calendar quarters do.
            quarter=TruncQuarter("period_end"),
            financial_year=Case(
                When(period_end__month__lt=4, then=ExtractYear("period_end") - 1),
                default=ExtractYear("period_end"),
            ),
            attendances=Sum("attendances"),
            over_4h=Sum("over_4h"),
            figures=Count("id"),
            periods=Count("period_end", distinct=True),
            **{f"figures_{basis}": Count("id", filter=Q(basis=basis)) for basis in Basis.values},
        )
        .order_by(),
    )
    month_rows = AEMonthSummary.objects.all()
    if months is not None:
        month_rows = month_rows.filter(Q(quarter__in=quarters) | Q(financial_year__in=years))
    for model, block, chosen in (
        (AEQuarterSummary, ("quarter", "financial_year"), quarters),
        (AEYearSummary, ("financial_year",), years),
    ):
        rows = month_rows
        if chosen is not None:
            rows = rows.filter(**{f"{block[0]}__in": chosen})
        _insert(
            model,
            rows.values("organisation_id", "grain", *block, "department_type")
            .annotate(
                attendances=Sum("attendances"),
                over_4h=Sum("over_4h"),
                figures=Sum("figures"),
                # A figure's period ends in one month, so the months' counts add up.
                periods=Sum("periods"),
                **{name: Sum(name) for name in BASIS_COUNTS},
            )
            .order_by(),
        )
    _insert(
        AEEnglandPeriod,
        raw.exclude(organisation__ods_code=ENGLAND_CODE)
        .values("grain", "period_end", "department_type", "basis")
        .annotate(
            period_start=Min("period_start"),
            figures_all=Count("id"),
            figures=Count("id", filter=counted),
            attendances=Sum("attendances", filter=counted, default=0),
            over_4h=Sum("over_4h", default=0),
        )
        .order_by(),
    )


def _insert(model, rows: QuerySet) -> None:
    """INSERT ... SELECT: the sums never pass through Python, whatever the scale."""
    compiler = rows.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    # The columns in the order the SELECT gives them (values() order, annotations included).
    columns = [model._meta.get_field(alias).column for _, _, alias in compiler.select]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) {sql}", params)
