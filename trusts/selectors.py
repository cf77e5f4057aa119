"""Reads of organisations and A&E performance, shared by commands, the API and dashboards.

Four-hour performance over a window is always 1 - sum(over 4h) / sum(attendances) over the
chosen department types, never an average of percentages; a weekly or monthly figure
belongs to the window that holds the end of its period (WEEK_RULE). Weekly figures count
type 1 attendances only: a type 1 question takes each organisation's month from its monthly
figures where it has them, else from the weeks that end in it; a question about other types
reads monthly figures alone.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, ExtractYear, Lower, Replace, TruncMonth, TruncQuarter

from .models import (
    NAME_SPELLING,
    AEActivity,
    AEEnglandPeriod,
    AEMonthSummary,
    AENationalMonth,
    AEQuarterSummary,
    AEShare,
    AEYearSummary,
    Basis,
    DepartmentType,
    Grain,
    Organisation,
    OrganisationName,
    name_on,
    normalise_name,
)
from .summaries import ENGLAND_CODE, financial_year_start, quarter_of
from .windows import Window, financial_year_of

STANDARD_PERCENT = Decimal("95")
ALL_TYPES: tuple[str, ...] = tuple(DepartmentType.values)
BY_TYPE: tuple[str, ...] = tuple(t for t in ALL_TYPES if t != DepartmentType.TOTAL)
# The weekly sitreps (2010 to 2015) count type 1 attendances only.
WEEKLY_TYPES = frozenset({DepartmentType.TYPE_1})


def weeks_answer(types: Iterable[str]) -> bool:
    """Whether weekly figures answer a question about these department types. Adding one
    trust's type 1 weeks to another's every-type month would splice two measures."""
    return set(types) <= WEEKLY_TYPES


def types_parse(text: str) -> tuple[str, ...]:
    """ "1", "1,2", "other" or "all"."""
    if text.strip().casefold() == "all":
        return ALL_TYPES
    chosen = tuple(dict.fromkeys(part.strip().casefold() for part in text.split(",")))
    unknown = [part for part in chosen if part not in ALL_TYPES]
    if unknown or not chosen:
        raise ValueError(f"{text!r}: department types are 1, 2, other or all")
    return chosen


def percent_within_4h(attendances: int, over_4h: int) -> Decimal | None:
    if not attendances:
        return None
    return _exact_percent(attendances, over_4h).quantize(Decimal("0.01"), ROUND_HALF_UP)


def change_in_points(before: tuple[int, int], after: tuple[int, int]) -> Decimal | None:
    """After's percentage within four hours less before's, each (attendances, over 4 hours),
    worked from the counts and rounded once: the difference of two rounded percentages was a
    hundredth out in a quarter of the trusts."""
    if not before[0] or not after[0]:
        return None
    change = _exact_percent(*after) - _exact_percent(*before)
    return change.quantize(Decimal("0.01"), ROUND_HALF_UP)


def _exact_percent(attendances: int, over_4h: int) -> Decimal:
    return 100 * (1 - Decimal(over_4h) / Decimal(attendances))


WEEK_RULE = (
    "A weekly figure counts in a window, and in a month, when its week ends there (its end "
    "date), so a week that straddles two months belongs to the later one. Weekly figures "
    "count type 1 attendances only, so they answer type 1 questions alone: there an "
    "organisation's month with monthly type 1 figures uses them, and its other months use "
    "their weeks. A question about other or all department types reads monthly figures "
    "only, and a month without them is a gap, never filled with type 1 weeks."
)


def _grains_by_month(window: Window, types: Sequence[str]) -> dict[dt.date, set[str]]:
    """For each month of the window with figures of the types asked for, the grains England
    has them in: a month held only as a bare total (no figures by type) keeps its weekly type
    1 figures for a type 1 question."""
    grains: dict[dt.date, set[str]] = {}
    for month, grain in (
        AEEnglandPeriod.objects.filter(
            period_end__range=(window.start, window.end), department_type__in=types
        )
        .values_list(Cast(TruncMonth("period_end"), DateField()), "grain")
        .distinct()
    ):
        grains.setdefault(month, set()).add(grain)
    return grains


def _monthly_months(window: Window, types: Sequence[str]) -> list[dt.date]:
    """Months with monthly figures of the types asked for, for some organisation at least."""
    return sorted(
        m for m, grains in _grains_by_month(window, types).items() if Grain.MONTH in grains
    )


def _month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _months_covered(months: Sequence[dt.date]) -> Q | None:
    """The days of these months, runs of months as one date range each so that the filter
    stays short; None for no month."""
    runs: list[list[dt.date]] = []
    for month in months:
        if runs and _month_end(runs[-1][1]) + dt.timedelta(days=1) == month:
            runs[-1][1] = month
        else:
            runs.append([month, month])
    if not runs:
        return None
    covered = Q()
    for first, last in runs:
        covered |= Q(period_end__range=(first, _month_end(last)))
    return covered


def _own_grain(window: Window, types: Sequence[str]) -> Q:
    """England's months: its monthly figures where it has any, else its weekly ones (for a
    type 1 question)."""
    if not weeks_answer(types):
        return Q(grain=Grain.MONTH)
    covered = _months_covered(_monthly_months(window, types))
    if covered is None:
        return Q(grain=Grain.WEEK)
    return Q(grain=Grain.MONTH) | (Q(grain=Grain.WEEK) & ~covered)


def _held_monthly(types: Sequence[str], month, months: Sequence[dt.date]) -> Exists:
    """Whether the outer row's organisation has monthly figures, with breach counts, of the
    types asked for in `month` (an expression of the outer row), one of `months`: PostgreSQL
    reads those months' monthly rows once into a hash (every month's took 17 ms)."""
    return Exists(
        AEMonthSummary.objects.filter(
            organisation=OuterRef("organisation"),
            grain=Grain.MONTH,
            month=month,
            month__range=(min(months), max(months)),
            department_type__in=types,
        )
    )


def _own_grain_by_organisation(window: Window, types: Sequence[str]) -> Q:
    """Each organisation's months: for a type 1 question its monthly type 1 figures where it
    has them, else its weekly ones, checked organisation by organisation so that one held in
    weeks alone keeps them; for any other question its monthly figures alone."""
    if not weeks_answer(types):
        return Q(grain=Grain.MONTH)
    monthly = _monthly_months(window, types)
    covered = _months_covered(monthly)
    if covered is None:
        return Q(grain=Grain.WEEK)
    # Typed first: a function of an outer column cannot tell its type.
    month = Cast(TruncMonth(Cast(OuterRef("period_end"), DateField())), DateField())
    held = _held_monthly(types, month, monthly)
    return Q(grain=Grain.MONTH) | (Q(grain=Grain.WEEK) & ~(covered & held))


def months_missing(window: Window, labels: Iterable[str]) -> list[str]:
    """The window's months missing from `labels` (YYYY-MM), as runs: "2013-03 to 2013-04"."""
    shown = set(labels)
    runs: list[list[str]] = []
    previous_missing = False
    for month in months_between(window.start.replace(day=1), window.end.replace(day=1)):
        label = f"{month:%Y-%m}"
        missing = label not in shown
        if missing and previous_missing:
            runs[-1][1] = label
        elif missing:
            runs.append([label, label])
        previous_missing = missing
    return [first if first == last else f"{first} to {last}" for first, last in runs]


@dataclass(frozen=True)
class WindowGaps:
    """What a window's figures of some department types lack, from one read of England's
    periods: its months in which no organisation has figures (months_without_figures) and
    its months that the weekly figures cover in part (_weeks_in_part)."""

    without_figures: list[str]
    in_part: list[str]


def window_gaps(window: Window, types: Sequence[str]) -> WindowGaps:
    """Both notes a window's figures carry, in two queries (which grain England's months are
    in, then its periods with figures), where asking for each on its own made four."""
    periods = set(
        AEEnglandPeriod.objects.filter(
            _own_grain(window, types),
            period_end__range=(window.start, window.end),
            department_type__in=types,
            figures__gt=0,
        ).values_list("period_end", "grain")
    )
    held = {f"{end:%Y-%m}" for end, _ in periods}
    week_ends = {end for end, grain in periods if grain == Grain.WEEK}
    return WindowGaps(
        without_figures=months_missing(window, held),
        in_part=_weeks_in_part(window, week_ends) if weeks_answer(types) else [],
    )


def months_without_figures(window: Window, types: Sequence[str]) -> list[str]:
    """The window's months in which no organisation has figures of these types, as a window
    reads them (WEEK_RULE), as runs: a window's performance is over its other months."""
    return window_gaps(window, types).without_figures


def months_covered(types: Sequence[str]) -> tuple[dt.date, dt.date] | None:
    """The first and last months with England figures of these department types, as a
    window reads them (weekly figures for a type 1 question only), or None if none."""
    grains = [Grain.MONTH, Grain.WEEK] if weeks_answer(types) else [Grain.MONTH]
    span = AEEnglandPeriod.objects.filter(
        grain__in=grains, department_type__in=types, figures__gt=0
    ).aggregate(first=Min("period_end"), last=Max("period_end"))
    if span["first"] is None:
        return None
    return span["first"].replace(day=1), span["last"].replace(day=1)


def _weeks_in_part(window: Window, week_ends: set[dt.date]) -> list[str]:
    """The window's months that England's weekly figures cover in part, each with the weeks
    it has of the weeks ending in it ("2015-03 (2 of 5 weeks)"): the weekly series ends on 8
    March 2015, and a month's or a quarter's counts there are of fewer weeks than its length."""
    held: dict[dt.date, int] = {}
    for end in week_ends:
        held[end.replace(day=1)] = held.get(end.replace(day=1), 0) + 1
    found = []
    for month, weeks in sorted(held.items()):
        first, last = max(month, window.start), min(_month_end(month), window.end)
        sundays = _sundays_between(first, last)
        if weeks < sundays:
            found.append(f"{month:%Y-%m} ({weeks} of {sundays} weeks)")
    return found


def grain_for(window: Window, types: Sequence[str] = ALL_TYPES) -> str:
    """The grain of the figures a window uses: week, month, or "week and month"."""
    grains = set(
        AEEnglandPeriod.objects.filter(
            _own_grain(window, types),
            period_end__range=(window.start, window.end),
            department_type__in=types,
            figures__gt=0,
        )
        .values_list("grain", flat=True)
        .distinct()
    )
    return " and ".join(sorted(grains)) if len(grains) != 1 else grains.pop()


def activity_in(
    window: Window, *, types: Sequence[str], grain: str | None = None
) -> QuerySet[AEActivity]:
    """Figures whose period ends in the window, with a breach count (a figure whose breaches
    were not reported is missing from four-hour performance, never counted as no breaches);
    one grain if given, else each organisation's own in each month."""
    return AEActivity.objects.filter(
        Q(grain=grain) if grain else _own_grain_by_organisation(window, types),
        period_end__range=(window.start, window.end),
        department_type__in=types,
        over_4h__isnull=False,
    )


# A month some organisations hold monthly and others in weeks (summary_in).
MIXED = "mixed"

# Coarsest first: a window made of whole financial years reads one row per organisation and
# type for each year, however many weeks the years hold.
SUMMARIES = {
    AEYearSummary: (financial_year_start, 12),
    AEQuarterSummary: (quarter_of, 3),
    AEMonthSummary: (lambda month: month, 1),
}
SUMMARY_PERIODS = {"year": AEYearSummary, "quarter": AEQuarterSummary, "month": AEMonthSummary}


def _months_of(window: Window) -> list[dt.date] | None:
    """The months a window is made of, or None if it starts or ends inside a month."""
    if window.start.day != 1 or window.end != _month_end(window.end.replace(day=1)):
        return None
    return months_between(window.start, window.end.replace(day=1))


def summary_in(
    window: Window, *, types: Sequence[str], grain: str | None = None, finest: str = "year"
) -> QuerySet | None:
    """Summary rows that add up to what activity_in(window, ...) adds up, from the coarsest
    table (no coarser than `finest`: year, quarter or month) whose blocks the window holds
    whole and whose every block uses one grain; None for a window that starts or ends inside
    a month, which only the figures themselves can answer."""
    months = _months_of(window)
    if months is None:
        return None
    if not grain and not weeks_answer(types):
        grain = Grain.MONTH
    by_month = {} if grain else _grains_by_month(window, types)

    def grain_of(month: dt.date) -> str:
        """The month's grain, or MIXED when some organisations hold it monthly and others
        in weeks: then each organisation's own, read from the month summary."""
        if grain:
            return grain
        grains = by_month.get(month, set())
        if Grain.MONTH not in grains:
            return Grain.WEEK
        return MIXED if Grain.WEEK in grains else Grain.MONTH

    chosen = list(SUMMARIES)[list(SUMMARY_PERIODS).index(finest) :]
    for model in chosen:
        block_of, size = SUMMARIES[model]
        blocks: dict[object, list[dt.date]] = {}
        for month in months:
            blocks.setdefault(block_of(month), []).append(month)
        grains = {block: {grain_of(m) for m in held} for block, held in blocks.items()}
        whole = all(len(held) == size for held in blocks.values())
        if model is not AEMonthSummary and (
            not whole or any(len(used) > 1 or MIXED in used for used in grains.values())
        ):
            continue
        by_grain: dict[str, list] = {}
        for block, (used,) in grains.items():
            by_grain.setdefault(used, []).append(block)
        ordered = list(grains)
        where = Q(pk__in=[])
        for used, keys in by_grain.items():
            # Blocks in a run are read as a range: the index then scans each organisation's
            # blocks once instead of probing for every block (at 10x England, a year's table
            # by month ordered by code took 233 ms as twelve probes, 9 ms as one range).
            run = ordered[ordered.index(keys[0]) : ordered.index(keys[-1]) + 1]
            held = (
                {f"{model.block_field}__range": (keys[0], keys[-1])}
                if run == keys
                else {f"{model.block_field}__in": keys}
            )
            if used == MIXED:
                monthly = _held_monthly(types, OuterRef("month"), keys)
                where |= Q(**held) & (Q(grain=Grain.MONTH) | (Q(grain=Grain.WEEK) & ~monthly))
            else:
                where |= Q(grain=used, **held)
        return model.objects.filter(where, department_type__in=types)
    return None


def regions() -> list[str]:
    """The regions organisations are in, as the filters offer them."""
    return list(
        Organisation.objects.exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )


def _organisations_chosen(
    rows: QuerySet,
    *,
    codes: Iterable[str] | None,
    kinds: Iterable[str] | None,
    regions: Iterable[str] | None,
) -> QuerySet[AEActivity]:
    if codes:
        rows = rows.filter(organisation__ods_code__in=list(codes))
    if kinds:
        rows = rows.filter(organisation__kind__in=list(kinds))
    if regions:
        rows = rows.filter(organisation__region__in=list(regions))
    return rows


def named(search: str) -> Q:
    """Organisations whose name holds every word of the search, or that once had a name
    holding the search: case, apostrophes, "&" and punctuation do not matter, so "kings
    college", "King\u2019s" and "guys" find the trusts a reader means."""
    words = normalise_name(search).split()
    if not words:
        return Q()
    spelt = Lower("name")
    for written, read in NAME_SPELLING:
        spelt = Replace(spelt, Value(written), Value(read))
    current = Organisation.objects.alias(spelt_name=spelt)
    for word in words:
        current = current.filter(spelt_name__contains=word)
    former = OrganisationName.objects.filter(normalised__contains=" ".join(words))
    return Q(pk__in=current.values("pk")) | Q(pk__in=former.values("organisation"))


@dataclass(frozen=True)
class Performance:
    ods_code: str
    name: str
    kind: str
    region: str
    attendances: int
    over_4h: int
    periods: int

    @cached_property
    def percent(self) -> Decimal | None:
        return percent_within_4h(self.attendances, self.over_4h)


@dataclass(frozen=True)
class LeagueRow(Performance):
    rank: int = 0


# An organisation's columns, read with its figures' sums in the same query.
ORGANISATION_COLUMNS = ("ods_code", "name", "kind", "region")


def performance_by_organisation(
    window: Window,
    *,
    types: Sequence[str],
    kinds: Iterable[str] | None = None,
    codes: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    grain: str | None = None,
) -> list[Performance]:
    """Counts and four-hour performance per organisation, named as it was at the window's end,
    in order of name.

    Two queries whatever the number of organisations: the sums per organisation with its
    columns (summed in SQL, one row an organisation), and the dated names of the
    organisations chosen."""
    chosen = {"codes": codes, "kinds": kinds, "regions": regions}
    totals = _organisation_totals(window, types=types, grain=grain, **chosen)
    names = _organisations_chosen(OrganisationName.objects.all(), **chosen)
    return _named(Performance, totals.rows, window, names)


def not_ranked(
    window: Window,
    *,
    types: Sequence[str],
    kinds: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
) -> list[Performance]:
    """The organisations with type 1 figures in the window but none of these types, by code:
    a ranking of these types leaves them out. Every-type figures before April 2016 come from
    sources that miss about a fifth of trusts, where the weekly sitreps count each one's type
    1 attendances."""
    if set(types) == WEEKLY_TYPES:
        return []
    chosen = {"kinds": kinds, "regions": regions}
    ranked = {r.ods_code for r in performance_by_organisation(window, types=types, **chosen)}
    type_1 = performance_by_organisation(window, types=sorted(WEEKLY_TYPES), **chosen)
    return sorted((r for r in type_1 if r.ods_code not in ranked), key=lambda r: r.ods_code)


def _named(row_class: type[Performance], rows: list[dict], window: Window, names: QuerySet) -> list:
    """Rows of totals as row_class, each organisation named as it was at the window's end
    from its names among `names`. Only dated names can differ from today's
    (Organisation.name_on)."""
    dated: dict[int, list[OrganisationName]] = {}
    for name in names.exclude(valid_from=None, valid_to=None):
        dated.setdefault(name.organisation_id, []).append(name)
    return [
        row_class(
            **{column: row[column] for column in row if column not in ("organisation", "name")},
            name=name_on(row["name"], window.end, dated.get(row["organisation"], [])),
        )
        for row in rows
    ]


def _split_at_months(window: Window) -> tuple[list[Window], Window | None]:
    """The days of a window before its first whole month and after its last, and its whole
    months as one window (None, with the window as its only edge, if it holds none)."""
    day = dt.timedelta(days=1)
    first = window.start if window.start.day == 1 else _month_end(window.start) + day
    last = window.end if window.end == _month_end(window.end) else window.end.replace(day=1) - day
    if last < first:
        return [window], None
    edges = [(window.start, first - day), (last + day, window.end)]
    return [Window(start, end) for start, end in edges if start <= end], Window(first, last)


def _counts_sum(field: str) -> Sum:
    """A sum of counts that each fit 32 bits (an organisation's attendances in a month, a
    quarter or a year): PostgreSQL sums 32-bit integers into a 64-bit one, where it sums
    64-bit integers into a numeric, added digit by digit."""
    return Sum(Cast(field, IntegerField()))


def _one_row_a_block(types: Sequence[str]) -> bool:
    """Whether summary rows of these types are one an organisation and block already: of one
    type they are (summary_in reads one grain of each organisation's block), and need no
    summing again."""
    return len(types) == 1


def _summary_blocks(rows: QuerySet, *, types: Sequence[str]) -> QuerySet:
    """Summary rows summed per organisation, grain and block. An organisation's types report
    the same periods (weekly figures are type 1 only; every type's month ends on its last
    day), so the periods a block holds are those of its type with the most."""
    if _one_row_a_block(types):
        return rows.values("organisation", "grain", rows.model.block_field, *SUMS).order_by()
    return (
        rows.values("organisation", "grain", rows.model.block_field)
        .annotate(
            attendances=_counts_sum("attendances"),
            over_4h=_counts_sum("over_4h"),
            periods=Max("periods"),
        )
        .order_by()
    )


def _figure_blocks(rows: QuerySet[AEActivity]) -> QuerySet:
    """Figures summed per organisation and grain, counting the periods they end on."""
    return (
        rows.values("organisation", "grain")
        .annotate(
            attendances=Sum("attendances"),
            over_4h=Sum("over_4h"),
            periods=Count("period_end", distinct=True),
        )
        .order_by()
    )


def _totals_sql(
    window: Window,
    *,
    types: Sequence[str],
    grain: str | None,
    chosen: dict,
) -> tuple[str, list]:
    """SQL (and its parameters) of the figures summed per organisation with its columns, one
    row an organisation: the whole months from the summaries, only the days around them (a
    window of days, such as 15 January to 14 May) from the figures. Summed by the
    organisation's id, its columns joined to the sums: grouping by its name and region too
    hashed their text in every row summed (at 10x England, 17.8 ms of a five-month window's
    query)."""
    edges, months = _split_at_months(window)
    blocks = [
        _figure_blocks(_organisations_chosen(activity_in(edge, types=types, grain=grain), **chosen))
        for edge in edges
    ]
    if months is not None:
        summary = summary_in(months, types=types, grain=grain)
        blocks.insert(0, _summary_blocks(_organisations_chosen(summary, **chosen), types=types))
    quote = connection.ops.quote_name
    organisation = quote("organisation")
    sums = ", ".join(map(quote, SUMS))
    selects, params = [], []
    for block in blocks:
        sql, block_params = block.query.sql_with_params()
        selects.append(f"SELECT {organisation}, {sums} FROM ({sql}) block")
        params.extend(block_params)
    # Each block's sums fit 32 bits (_counts_sum).
    summed = (
        f"SELECT {organisation}, "
        + ", ".join(
            f"CAST(SUM(CAST({quote(name)} AS INTEGER)) AS BIGINT) AS {quote(name)}" for name in SUMS
        )
        + f" FROM ({' UNION ALL '.join(selects)}) blocks GROUP BY {organisation}"
    )
    table = quote(Organisation._meta.db_table)
    columns = ", ".join(f"{table}.{quote(column)}" for column in ORGANISATION_COLUMNS)
    return (
        f"SELECT sums.{organisation}, {columns}, {', '.join(f'sums.{quote(n)}' for n in SUMS)} "
        f"FROM ({summed}) sums INNER JOIN {table} ON {table}.{quote('id')} = sums.{organisation}",
        params,
    )


SUMS = ("attendances", "over_4h", "periods")
TOTALS_COLUMNS = ("organisation", *ORGANISATION_COLUMNS, *SUMS)


@dataclass(frozen=True)
class Totals:
    rows: list[dict]
    # Organisations with attendances in the window, those on other pages included.
    count: int


def _organisation_totals(
    window: Window,
    *,
    types: Sequence[str],
    grain: str | None,
    ranked: bool = False,
    offset: int = 0,
    size: int | None = None,
    **chosen,
) -> Totals:
    """The organisations with attendances in the window and their sums, in order of name, or
    ranked worst first (equal performance by ODS code); `size` of them from `offset`, with
    the count of all. Ranked and cut in SQL, so a page costs the same at any number of
    organisations."""
    sql, params = _totals_sql(window, types=types, grain=grain, chosen=chosen)
    quote = connection.ops.quote_name
    over_4h, attendances = quote("over_4h"), quote("attendances")
    # "* 1.0": an exact decimal division on PostgreSQL, a double on SQLite; both keep the
    # order of the ratios of whole numbers as large as any count of attendances.
    order = (
        f"{over_4h} * 1.0 / {attendances} DESC, {quote('ods_code')}" if ranked else quote("name")
    )
    cut = "" if size is None else f" LIMIT {int(size)} OFFSET {int(offset)}"
    columns = ", ".join(map(quote, TOTALS_COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, COUNT(*) OVER () FROM ({sql}) totals "
            f"WHERE {attendances} > 0 ORDER BY {order}{cut}",
            params,
        )
        fetched = cursor.fetchall()
        if fetched:
            count = fetched[0][-1]
        elif not offset and size != 0:
            count = 0
        else:  # an empty page past the last, or none asked for: counted on its own
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) totals WHERE {attendances} > 0", params)
            [count] = cursor.fetchone()
    return Totals([dict(zip(TOTALS_COLUMNS, row[:-1], strict=True)) for row in fetched], count)


@dataclass(frozen=True)
class League:
    rows: list[LeagueRow]
    count: int


def league_page(
    window: Window,
    *,
    types: Sequence[str],
    offset: int = 0,
    size: int | None = None,
    kinds: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    grain: str | None = None,
) -> League:
    """`size` organisations of the league from `offset` (all of them without a size), worst
    first, with the number in the whole league."""
    totals = _organisation_totals(
        window,
        types=types,
        grain=grain,
        ranked=True,
        offset=offset,
        size=size,
        kinds=kinds,
        regions=regions,
        codes=None,
    )
    rows = [{**row, "rank": rank} for rank, row in enumerate(totals.rows, start=offset + 1)]
    # Every dated name of the organisations chosen, not the page's by id: one query text
    # whatever the page holds, and there are few dated names.
    names = _organisations_chosen(
        OrganisationName.objects.all(), codes=None, kinds=kinds, regions=regions
    )
    return League(_named(LeagueRow, rows, window, names), totals.count)


def league_table(
    window: Window,
    *,
    types: Sequence[str],
    limit: int | None = None,
    kinds: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    grain: str | None = None,
) -> list[LeagueRow]:
    """Organisations ranked worst first; equal performance is ranked by ODS code."""
    return league_page(
        window, types=types, size=limit or None, kinds=kinds, regions=regions, grain=grain
    ).rows


@dataclass(frozen=True)
class SeriesPoint:
    label: str
    start: dt.date  # the first day of the first figure in it, not the bucket's first day
    end: dt.date
    attendances: int
    over_4h: int
    grain: str = Grain.WEEK
    weeks: int = 0  # the weekly figures in it

    @property
    def percent(self) -> Decimal | None:
        return percent_within_4h(self.attendances, self.over_4h)

    @property
    def weeks_missing(self) -> int:
        """For a month built from weekly figures alone, the weeks ending in it that it lacks
        (the weekly series ends on 8 March 2015); 0 for any other point."""
        if self.grain != Grain.WEEK or len(self.label) != len("2015-03"):
            return 0
        return _sundays_in(dt.date.fromisoformat(f"{self.label}-01")) - self.weeks


def _bucket(period_end: dt.date, grain: str, by: str) -> str:
    if by == "month" or (by == "period" and grain == Grain.MONTH):
        return f"{period_end:%Y-%m}"
    if by == "period":
        return f"{period_end:%Y-%m-%d}"
    if by == "quarter":
        quarter = ((period_end.month - 4) % 12) // 3 + 1
        return f"{financial_year_of(period_end)} Q{quarter}"
    if by == "year":
        return financial_year_of(period_end)
    raise ValueError(f"{by!r}: group by period, month, quarter or year")


def performance_series(
    window: Window,
    *,
    types: Sequence[str],
    grain: str | None,
    by: str = "period",
    codes: Iterable[str],
) -> list[SeriesPoint]:
    """The chosen organisations' performance period by period, together.

    With no grain, each month uses its own data (activity_in), and each point says which
    grain it was built from ("week", "month", or "week and month" for a longer bucket).
    """
    rows = activity_in(window, types=types, grain=grain).filter(
        organisation__ods_code__in=list(codes)
    )
    per_period = rows.values("period_end", "grain").annotate(
        attendances=Sum("attendances"), over_4h=Sum("over_4h"), first_day=Min("period_start")
    )
    buckets: dict[str, list] = {}
    for row in per_period.order_by("period_end"):
        label = _bucket(row["period_end"], row["grain"], by)
        bucket = buckets.setdefault(label, [row["first_day"], row["period_end"], 0, 0, set(), 0])
        bucket[0] = min(bucket[0], row["first_day"])
        bucket[1] = max(bucket[1], row["period_end"])
        bucket[2] += row["attendances"]
        bucket[3] += row["over_4h"]
        bucket[4].add(row["grain"])
        bucket[5] += row["grain"] == Grain.WEEK
    return [
        SeriesPoint(label, start, end, attendances, over_4h, " and ".join(sorted(grains)), weeks)
        for label, (start, end, attendances, over_4h, grains, weeks) in buckets.items()
    ]


PERIOD_GRAINS = ("week", "month", "quarter", "year")
PERFORMANCE_COLUMNS = (
    "ods_code",
    "name",
    "period",
    "attendances",
    "over_4h",
    "periods",
    *(f"figures_{basis}" for basis in Basis.values),
)


def period_label(period, by: str) -> str:
    """How a period of a PerformanceTable is named: 2013-01-06, 2013-01, 2012-13 Q4, 2012-13."""
    if by == "week":
        return period.isoformat()
    if by == "month":
        return f"{period:%Y-%m}"
    if by == "quarter":
        return f"{financial_year_of(period)} Q{((period.month - 4) % 12) // 3 + 1}"
    return f"{period}-{(period + 1) % 100:02d}"


@dataclass(frozen=True)
class PerformanceTable:
    """Counts per organisation and period (week, month, FY quarter or FY) over a window, of
    the organisations chosen by code, kind or region (all when none is given)."""

    window: Window
    types: Sequence[str]
    by: str
    codes: Iterable[str] | None = None
    kinds: Iterable[str] | None = None
    regions: Iterable[str] | None = None

    def table(self) -> QuerySet:
        """Grouped in SQL: dicts with ods_code, name, period (a date, or the FY's first
        year), attendances, over_4h and periods (how many source figures were summed). By
        month, a window of days reads its whole months from the summaries and only its
        part-months from the figures."""
        first, *rest = (
            self._chosen(part.rows)
            .annotate(period=part.bucket)
            .values("period")
            .annotate(
                ods_code=F("organisation__ods_code"),
                name=F("organisation__name"),
                attendances=Sum("attendances"),
                over_4h=Sum("over_4h"),
                **part.counts,
            )
            .values(*PERFORMANCE_COLUMNS)
            .order_by()
            for part in self._parts
        )
        # No period is in two parts (an edge is part of a month the whole months do not
        # hold), so the parts are put together as they are.
        return (first.union(*rest, all=True) if rest else first).order_by("ods_code", "period")

    def count(self) -> int:
        """How many rows the table has, counted by organisation id and period alone: at 10x
        England, grouping by code and name to count took 40% longer, and a window of days
        counted its sums too."""
        first, *rest = (
            self._chosen(part.rows)
            .values("organisation_id", period=part.bucket)
            .distinct()
            .order_by()
            for part in self._parts
        )
        return (first.union(*rest, all=True) if rest else first).count()

    def _chosen(self, rows: QuerySet) -> QuerySet:
        return _organisations_chosen(rows, codes=self.codes, kinds=self.kinds, regions=self.regions)

    @cached_property
    def _parts(self) -> list["_PerformancePart"]:
        return _performance_parts(self.window, types=self.types, by=self.by)


@dataclass(frozen=True)
class _PerformancePart:
    rows: QuerySet  # summary rows or figures
    bucket: object  # the expression of a row's period
    counts: dict  # how many source figures of each basis a period sums


def _performance_parts(window: Window, *, types: Sequence[str], by: str) -> list[_PerformancePart]:
    if by not in PERIOD_GRAINS:
        raise ValueError(f"{by!r}: group by {', '.join(PERIOD_GRAINS)}")
    summary = None if by == "week" else summary_in(window, types=types, finest=by)
    if summary is not None:
        return [_summary_part(summary, by)]
    edges, months = _split_at_months(window)
    if by == "month" and months is not None:
        whole = summary_in(months, types=types, finest="month")
        return [
            _summary_part(whole, by),
            *(_figure_part(activity_in(edge, types=types), by) for edge in edges),
        ]
    grain = Grain.WEEK if by == "week" else None
    return [_figure_part(activity_in(window, types=types, grain=grain), by)]


def _summary_part(rows: QuerySet, by: str) -> _PerformancePart:
    counts = {
        "periods": Sum("figures"),
        **{f"figures_{basis}": Sum(f"figures_{basis}") for basis in Basis.values},
    }
    bucket = F({"month": "month", "quarter": "quarter", "year": "financial_year"}[by])
    return _PerformancePart(rows, bucket, counts)


def _figure_part(rows: QuerySet[AEActivity], by: str) -> _PerformancePart:
    # NHS financial quarters start in January, April, July and October, as calendar ones do.
    bucket = {
        "week": F("period_end"),
        # A date, as the summaries' month is (PostgreSQL truncates to a timestamp), so that
        # part-months and whole months can be put together.
        "month": Cast(TruncMonth("period_end"), DateField()),
        "quarter": TruncQuarter("period_end"),
        "year": Case(
            When(period_end__month__lt=4, then=ExtractYear("period_end") - 1),
            default=ExtractYear("period_end"),
        ),
    }[by]
    counts = {
        "periods": Count("id"),
        **{f"figures_{basis}": Count("id", filter=Q(basis=basis)) for basis in Basis.values},
    }
    return _PerformancePart(rows, bucket, counts)


@dataclass(frozen=True)
class MonthDeciles:
    month: str  # 2013-01
    organisations: int
    cuts: list[Decimal]  # the 10th to the 90th percentile


def monthly_deciles(
    window: Window, *, types: Sequence[str], kinds: Iterable[str], least: int = 10
) -> list[MonthDeciles]:
    """Month by month, the nine cut points of the organisations' four-hour percentages (each
    rounded as shown, then interpolated as statistics.quantiles(n=10, method="inclusive") and
    NumPy's "linear" do), for months with at least `least` organisations.

    Ranked in SQL, which sends back only the two organisations each cut lies between: at 10x
    England every trust's month, 37,000 rows, came back to be sorted in Python."""
    summary = summary_in(window, types=types, finest="month")
    if summary is None:  # a window that starts or ends inside a month
        months = PerformanceTable(window, types=types, by="month", kinds=kinds).table()
    else:
        summarised = _organisations_chosen(summary, codes=None, kinds=kinds, regions=None)
        if _one_row_a_block(types):
            months = summarised.values("organisation", "attendances", "over_4h", period=F("month"))
        else:
            # Grouped by ids, not by the codes and names a table shows.
            months = summarised.values("organisation", period=F("month")).annotate(
                attendances=_counts_sum("attendances"), over_4h=_counts_sum("over_4h")
            )
    sql, params = months.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_cut_neighbours_sql(sql), [*params, least])
        read = cursor.fetchall()
    by_month: dict[str, tuple[int, dict[int, Decimal]]] = {}
    for month, count, position, month_attendances, month_over_4h in read:
        # str(): a date on PostgreSQL, its ISO text on SQLite
        entry = by_month.setdefault(str(month)[:7], (count, {}))
        entry[1][position] = percent_within_4h(month_attendances, month_over_4h)
    return [
        MonthDeciles(month, count, _inclusive_cuts(count, value_at))
        for month, (count, value_at) in sorted(by_month.items())
    ]


def _cut_neighbours_sql(months_sql: str) -> str:
    """SQL of each month's count n and, at each position (0 is the worst) that a cut lies
    next to, that organisation's counts, from `months_sql` (period, attendances, over_4h; its
    parameters, then the least n). Cut i lies between the j-th and (j+1)-th of n, j = i * (n
    - 1) // 10. PostgreSQL sorts each month's organisations into an array and reads the
    positions from it (at 10x England, 28 ms where ranking every row took 46); SQLite,
    without arrays, numbers the rows."""
    quote = connection.ops.quote_name
    period, attendances, over_4h = map(quote, ("period", "attendances", "over_4h"))
    worst_first = f"CAST({over_4h} AS DOUBLE PRECISION) / {attendances} DESC"
    positions = ", ".join(f"{i} * (n - 1) / 10 + {k}" for i in range(1, 10) for k in (0, 1))
    if connection.vendor == "postgresql":
        return (
            f"SELECT {period}, n, position, attendances_ranked[position + 1], "
            f"over_4h_ranked[position + 1] FROM ("
            f"SELECT {period}, COUNT(*) AS n, "
            f"array_agg({attendances} ORDER BY {worst_first}) AS attendances_ranked, "
            f"array_agg({over_4h} ORDER BY {worst_first}) AS over_4h_ranked "
            f"FROM ({months_sql}) figures WHERE {attendances} > 0 GROUP BY {period} "
            "HAVING COUNT(*) >= %s) months, "
            f"LATERAL (SELECT DISTINCT unnest(ARRAY[{positions}]) AS position) cuts"
        )
    return (
        f"SELECT {period}, n, position, {attendances}, {over_4h} FROM ("
        f"SELECT {period}, {attendances}, {over_4h}, "
        f"ROW_NUMBER() OVER (PARTITION BY {period} ORDER BY {worst_first}) - 1 AS position, "
        f"COUNT(*) OVER (PARTITION BY {period}) AS n "
        f"FROM ({months_sql}) figures WHERE {attendances} > 0) ranked "
        f"WHERE n >= %s AND position IN ({positions})"
    )


def _inclusive_cuts(count: int, value_at: dict[int, Decimal]) -> list[Decimal]:
    """statistics.quantiles(values, n=10, method="inclusive") from the only values it reads,
    by their position among the `count` values in order."""
    cuts = []
    for i in range(1, 10):
        j, delta = divmod(i * (count - 1), 10)
        cuts.append((value_at[j] * (10 - delta) + value_at[j + 1] * delta) / 10)
    return cuts


SHARE_SOURCE = "NHS England's published type 1 percentage (no counts)"


@dataclass(frozen=True)
class MonthPoint:
    """One month of one measure ("1" or "all"); percent None is a gap, not a zero."""

    month: dt.date
    measure: str
    attendances: int | None
    over_4h: int | None
    percent: Decimal | None
    sources: tuple[str, ...]
    # The weeks summed for a month built from weekly figures (four or five: counts of months
    # are not alike), None for a monthly figure.
    weeks: int | None = None

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"


def _sundays_in(month: dt.date) -> int:
    return _sundays_between(month, _month_end(month))


def _sundays_between(first: dt.date, last: dt.date) -> int:
    """The Sundays from `first` to `last`, both counted: the weeks ending then."""
    first_sunday = first + dt.timedelta(days=(6 - first.weekday()) % 7)
    return len(range(first_sunday.toordinal(), last.toordinal() + 1, 7))


def _monthly_counts(rows: QuerySet, types: Sequence[str], counted: Q) -> dict[dt.date, list]:
    counts: dict[dt.date, list] = {}
    for row in (
        rows.filter(counted, grain=Grain.MONTH, department_type__in=types)
        .values("period_start", "basis")
        .annotate(attendances=Sum("attendances"), over_4h=Sum("over_4h"))
    ):
        month = counts.setdefault(row["period_start"], [0, 0, set(), None])
        month[0] += row["attendances"]
        month[1] += row["over_4h"]
        month[2].add(Basis(row["basis"]).label)
    return counts


def _weekly_type1_by_month(rows: QuerySet, counted: Q) -> dict[dt.date, list]:
    """Weeks summed into the month their week ends in, only for months with every week: a
    month the series covers in part (March 2015 ends mid-month) is left out, not a dip."""
    by_week = (
        rows.filter(counted, grain=Grain.WEEK, department_type=DepartmentType.TYPE_1)
        .values("period_end")
        .annotate(attendances=Sum("attendances"), over_4h=Sum("over_4h"))
    )
    months: dict[dt.date, list] = {}
    for row in by_week:
        month = months.setdefault(row["period_end"].replace(day=1), [0, 0, set(), 0])
        month[0] += row["attendances"]
        month[1] += row["over_4h"]
        month[2].add(Basis.WEEKLY_SITREP.label)
        month[3] += 1
    return {start: values for start, values in months.items() if values[3] == _sundays_in(start)}


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from `first` to `last` (first days too), both included."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def monthly_series(codes: Sequence[str] | None = None) -> list[MonthPoint]:
    """Type 1 and all types, month by month from the first to the last month any source has,
    England's or the chosen organisations' together. A month no source covers is a point with
    no percentage (a gap); type 1 falls back to NHS England's published share only where no
    counts exist, and only for England or one organisation (shares cannot be added up)."""
    shares = AEShare.objects.filter(department_type=DepartmentType.TYPE_1, grain=Grain.MONTH)
    if codes and list(codes) == [ENGLAND_CODE]:
        codes = None  # England's own code holds its published shares; its counts are all ours
    if codes:
        rows = AEActivity.objects.filter(organisation__ods_code__in=list(codes))
        counted = Q(over_4h__isnull=False)
        shares = shares.filter(organisation__ods_code=codes[0]) if len(codes) == 1 else None
    else:
        # England's figures are every provider's but its own (it holds shares, not counts).
        rows, counted = AEEnglandPeriod.objects.all(), Q(figures__gt=0)
        shares = shares.filter(organisation__ods_code=ENGLAND_CODE)
    type1 = {
        **_weekly_type1_by_month(rows, counted),
        **_monthly_counts(rows, [DepartmentType.TYPE_1], counted),
    }
    every_type = _monthly_counts(rows, ALL_TYPES, counted)
    if not codes:
        # The source's England row where the providers' figures are totals alone (before
        # April 2016): those cover about 80% of England's attendances, so their sum is not
        # England's. Months with figures by type cover every provider, as England's row does.
        by_type = _monthly_counts(rows, BY_TYPE, counted)
        for row in AENationalMonth.objects.exclude(month__in=by_type):
            source = f"{Basis(row.basis).label}: England row"
            every_type[row.month] = [row.attendances, row.over_4h, {source}, None]
    share_by_month = {
        share.period_start: share.within_4h for share in (shares if shares is not None else ())
    }
    known = [*type1, *every_type, *share_by_month]
    if not known:
        return []
    points = []
    for month in months_between(min(known), max(known)):
        for measure, counts in (("1", type1), ("all", every_type)):
            if month in counts:
                attendances, over_4h, sources, weeks = counts[month]
                points.append(
                    MonthPoint(
                        month,
                        measure,
                        attendances,
                        over_4h,
                        percent_within_4h(attendances, over_4h),
                        tuple(sorted(sources)),
                        weeks,
                    )
                )
            elif measure == "1" and month in share_by_month:
                percent = (100 * share_by_month[month]).quantize(Decimal("0.01"), ROUND_HALF_UP)
                points.append(MonthPoint(month, measure, None, None, percent, (SHARE_SOURCE,)))
            else:
                points.append(MonthPoint(month, measure, None, None, None, ()))
    return points
