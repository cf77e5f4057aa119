"""Special-cause signals at the newest month of each provider's and region's series.

Each series is the last two years of monthly four-hour performance (every department type)
ending at the month just imported; the XmR chart and its Making Data Count rules are
impact.stats.xmr's. Only the rules that NHS England's guidance calls special cause in their
own right are recorded here: a point outside the process limits, a run on one side of the
mean and a trend.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Max, Q, Sum
from django.utils import timezone

from impact.stats import xmr
from trusts.models import AEActivity, Grain, Organisation

from .models import SpcSignal

SERIES_MONTHS = 24
# Fewer points than this give limits too wide or too jumpy to mean anything.
MIN_POINTS = 12
SIGNAL_RULES = ("outside_limits", "run", "trend")


def months_back(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


def _one_decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 1)))


def series_signal(points: list[tuple[dt.date, int, int]], month: dt.date):
    """The special-cause point at `month` of a monthly series of (month, attendances,
    over 4 hours), or None; months must follow one another without a gap."""
    points = [point for point in sorted(points) if point[1]]
    if len(points) < MIN_POINTS or points[-1][0] != month:
        return None
    expected = [months_back(month, len(points) - 1 - i) for i in range(len(points))]
    if [point[0] for point in points] != expected:
        return None
    chart = xmr(
        [start.isoformat()[:7] for start, _, _ in points],  # 2015-06; strftime took longer
        [100 * (attendances - over) / attendances for _, attendances, over in points],
    )
    newest = chart[-1]
    return newest if newest.special_cause in SIGNAL_RULES else None


def newest_months(*, file_names: list[str]) -> dict[dt.date, set[str]]:
    """The newest month of monthly figures in each of the files, with the providers the file
    gives figures for that month: where an import can have made a signal appear or go. Older
    months of a file spanning many (a historical table) are history, not news."""
    figures = AEActivity.objects.filter(grain=Grain.MONTH, source_file__in=file_names)
    # Two queries for any number of files: the shipped data's 71 took two a file, 1.4 s.
    newest = dict(
        figures.values_list("source_file").annotate(newest=Max("period_start")).order_by()
    )
    months: dict[dt.date, set[str]] = defaultdict(set)
    for source_file, period_start, code in figures.filter(
        period_start__in=set(newest.values())
    ).values_list("source_file", "period_start", "organisation__ods_code"):
        if newest[source_file] == period_start:
            months[period_start].add(code)
    return dict(months)


def signals_detect(*, month: dt.date, codes: set[str]) -> list[SpcSignal]:
    """Records each signal at `month` for the given providers and their regions, replacing any
    recorded for them before (a revision can make a signal appear or go)."""
    return signals_detect_months({month: codes})


def signals_detect_months(months: dict[dt.date, set[str]]) -> list[SpcSignal]:
    """signals_detect for each month and its providers, with every month's series read in one
    query: the shipped data's 73 months read their overlapping two years 73 times over."""
    if not months:
        return []
    organisations = {
        organisation.pk: organisation
        for organisation in Organisation.objects.filter(ods_code__in=set().union(*months.values()))
    }
    regions = {o.region for o in organisations.values() if o.region}
    # The providers' own series, and those of every provider in their regions.
    rows = (
        AEActivity.objects.filter(
            Q(organisation__region__in=regions) | Q(organisation__in=list(organisations)),
            grain=Grain.MONTH,
            period_start__gte=months_back(min(months), SERIES_MONTHS - 1),
            period_start__lte=max(months),
            # Missing, not zero: left out of four-hour performance (the 2019 field test trusts).
            over_4h__isnull=False,
        )
        .values_list("period_start", "organisation_id", "organisation__region")
        .annotate(attendances=Sum("attendances"), over_4h=Sum("over_4h"))
    )
    by_month: dict[dt.date, list[tuple]] = defaultdict(list)
    for period_start, *row in rows:
        by_month[period_start].append(row)
    now = timezone.now()
    found = []
    for month, codes in months.items():
        chosen = {pk: o for pk, o in organisations.items() if o.ods_code in codes}
        found += _month_signals(month, codes, chosen, by_month, now)
    return SpcSignal.objects.bulk_create(found)


def _month_signals(month, codes, organisations, by_month, now) -> list[SpcSignal]:
    """The signals at `month` of these providers and of their regions, from the monthly rows
    (organisation, region, attendances, over 4 hours) by month; deletes those recorded before."""
    regions = {o.region for o in organisations.values() if o.region}
    by_organisation: dict[int, list] = defaultdict(list)
    by_region: dict[str, dict[dt.date, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    for back in range(SERIES_MONTHS - 1, -1, -1):
        period_start = months_back(month, back)
        for organisation_id, region, attendances, over_4h in by_month.get(period_start, ()):
            if organisation_id in organisations:
                by_organisation[organisation_id].append((period_start, attendances, over_4h))
            if region in regions:
                totals = by_region[region][period_start]
                totals[0] += attendances
                totals[1] += over_4h

    candidates = [
        (SpcSignal.Scope.TRUST, o.ods_code, o.name, o, by_organisation.get(pk, []))
        for pk, o in organisations.items()
    ] + [
        (
            SpcSignal.Scope.REGION,
            region,
            f"{region} region",
            None,
            [(start, a, b) for start, (a, b) in by_region[region].items()],
        )
        for region in regions
    ]
    SpcSignal.objects.filter(month=month, scope=SpcSignal.Scope.TRUST, subject__in=codes).delete()
    SpcSignal.objects.filter(
        month=month, scope=SpcSignal.Scope.REGION, subject__in=regions
    ).delete()
    found = []
    for scope, subject, name, organisation, points in candidates:
        point = series_signal(points, month)
        if point is None:
            continue
        found.append(
            SpcSignal(
                scope=scope,
                subject=subject,
                subject_name=name,
                organisation=organisation,
                month=month,
                rule=point.special_cause,
                direction=point.direction,
                percent=_one_decimal(point.value),
                mean=_one_decimal(point.mean),
                lower_limit=_one_decimal(point.lower),
                upper_limit=_one_decimal(point.upper),
                detected_at=now,
            )
        )
    return found
