"""Performance and impact endpoints: thin views over trusts.selectors and impact.selectors."""

from collections.abc import Sequence

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from funding import selectors as funding_selectors
from impact import selectors as impact
from impact.rows import event_study_rows, funnel_rows, spc_rows
from impact.rows import number as _number
from trusts.models import Basis, Organisation
from trusts.selectors import (
    STANDARD_PERCENT,
    WEEK_RULE,
    LeagueRow,
    PerformanceTable,
    league_page,
    league_table,
    monthly_series,
    not_ranked,
    percent_within_4h,
    period_label,
    window_gaps,
)
from trusts.windows import Window

from .caching import CachedReadsMixin, cached_read
from .csv import CsvStreamingMixin, GzippedCsvMixin
from .pagination import MAX_PAGE_SIZE, CountedApart, Pages
from .queries import FunnelQuery, LeagueQuery, SeriesQuery, SpcQuery, query_validate

TYPES_PATTERN = r"^(all|(1|2|other)(,(1|2|other))*)$"

WINDOW_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="first day"),
    OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="last day"),
    OpenApiParameter(
        "type",
        str,
        pattern=TYPES_PATTERN,
        description="department types: 1, 2, other, a list such as 1,2, or all",
    ),
]


def _percentage(attendances: int, over_4h: int) -> str | None:
    value = percent_within_4h(attendances, over_4h)
    return None if value is None else f"{value:.2f}"


# Each basis, and the row's count of figures of that basis.
FIGURES_BY_BASIS = tuple((basis, f"figures_{basis}") for basis in Basis.values)


class PerformanceRowSerializer(serializers.Serializer):
    ods_code = serializers.CharField()
    name = serializers.CharField()
    period = serializers.SerializerMethodField()
    attendances = serializers.IntegerField()
    over_4h = serializers.IntegerField()
    percentage = serializers.SerializerMethodField()
    figures = serializers.IntegerField(source="periods", help_text="source figures summed")
    sources = serializers.SerializerMethodField(
        help_text="the kinds of source the figures came from, comma-separated (e.g. "
        "apportioned_weekly: unofficial months built from weekly sitreps)"
    )

    def get_period(self, row) -> str:
        return period_label(row["period"], self.context["by"])

    def get_percentage(self, row) -> str | None:
        return _percentage(row["attendances"], row["over_4h"])

    def get_sources(self, row) -> str:
        return ",".join(basis for basis, count in FIGURES_BY_BASIS if row[count])

    def to_representation(self, row) -> dict:
        """The fields above, written straight from the row: going through each field spent
        about a quarter of an uncached list's time (a test keeps the two equal)."""
        return {
            "ods_code": row["ods_code"],
            "name": row["name"],
            "period": self.get_period(row),
            "attendances": row["attendances"],
            "over_4h": row["over_4h"],
            "percentage": self.get_percentage(row),
            "figures": row["periods"],
            "sources": self.get_sources(row),
        }


class PerformancePages(Pages):
    """Pages of the performance list, with the window's months no organisation has figures
    for: a period over them is over its other months (its `figures` says how many)."""

    months_without_figures: list[str] = []
    months_in_part: list[str] = []

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["months_without_figures"] = self.months_without_figures
        response.data["months_in_part"] = self.months_in_part
        return response

    def get_paginated_response_schema(self, schema):
        paged = super().get_paginated_response_schema(schema)
        paged["properties"]["months_without_figures"] = {
            "type": "array",
            "items": {"type": "string"},
            "description": "The window's months (YYYY-MM, runs as FROM to TO) in which no "
            "organisation has figures of these types: a period over them is over its others.",
        }
        paged["properties"]["months_in_part"] = {
            "type": "array",
            "items": {"type": "string"},
            "description": "The window's months that weekly figures cover in part, with the "
            'weeks each has ("2015-03 (2 of 5 weeks)"): a period holding one counts fewer weeks.',
        }
        return paged


@extend_schema(
    parameters=[
        *WINDOW_PARAMETERS,
        OpenApiParameter("by", str, enum=["week", "month", "quarter", "year"]),
        OpenApiParameter("code", str, description="ODS code(s), comma-separated"),
        OpenApiParameter("kind", str, enum=Organisation.Kind.values),
        OpenApiParameter("region", str, description="a region's ODS code"),
    ]
)
class PerformanceView(CachedReadsMixin, CsvStreamingMixin, generics.ListAPIView):
    """A&E counts and four-hour percentage per organisation and period (NHS financial years)."""

    serializer_class = PerformanceRowSerializer
    filter_backends = []
    pagination_class = PerformancePages
    csv_name = "performance"

    def get_queryset(self):
        self.performance = self._performance()
        window, types = self.performance.window, self.performance.types
        gaps = window_gaps(window, types)
        self.paginator.months_without_figures = gaps.without_figures
        self.paginator.months_in_part = gaps.in_part
        return self.performance.table()

    def paginate_queryset(self, queryset):
        return super().paginate_queryset(CountedApart(queryset, self.performance.count))

    def _performance(self) -> PerformanceTable:
        params = self.request.query_params
        q = query_validate(SeriesQuery, params)
        self.by = q["by"]
        codes = [c.strip().upper() for c in params.get("code", "").split(",") if c.strip()]
        kind = params.get("kind")
        if kind and kind not in Organisation.Kind.values:
            raise ValidationError({"kind": f"{kind!r} is not one of {Organisation.Kind.values}"})
        return PerformanceTable(
            q["window"],
            types=q["type"],
            by=q["by"],
            codes=codes or None,
            kinds=[kind] if kind else None,
            regions=[q["region"]] if q.get("region") else None,
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "by": getattr(self, "by", "month")}


class RankedLeague:
    """The league as Django's paginator reads it: each slice is one query that ranks in the
    database and counts the whole league, so a page costs the same for 150 or 1,500 trusts.
    `limit` keeps only the worst."""

    def __init__(
        self, window: Window, types: Sequence[str], limit: int | None, regions: list[str] | None
    ):
        self.window, self.types, self.limit, self.regions = window, types, limit, regions
        self.counted: int | None = None

    def count(self) -> int:
        if self.counted is None:
            self.counted = league_page(
                self.window, types=self.types, size=0, regions=self.regions
            ).count
        return min(self.counted, self.limit or self.counted)

    def __getitem__(self, cut: slice) -> list[LeagueRow]:
        stop = cut.stop if self.limit is None else min(cut.stop, self.limit)
        page = league_page(
            self.window,
            types=self.types,
            offset=cut.start,
            size=max(0, stop - cut.start),
            regions=self.regions,
        )
        self.counted = page.count
        return page.rows


class LeagueView(GzippedCsvMixin, APIView):
    """Four-hour performance over a window, worst first, with the funds each received, a page
    at a time (CSV: the whole league)."""

    @extend_schema(
        parameters=[
            *WINDOW_PARAMETERS,
            OpenApiParameter("limit", int, description="only the worst this many"),
            OpenApiParameter("region", str, description="only the trusts in this region"),
            OpenApiParameter("page", int, description="a page number (JSON only)"),
            OpenApiParameter(
                "page_size", int, description=f"rows a page, 1 to {MAX_PAGE_SIZE:,} (JSON only)"
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @cached_read
    def get(self, request):
        q = query_validate(LeagueQuery, request.query_params)
        chosen = [q["region"]] if q.get("region") else None
        if request.accepted_renderer.format == "csv":
            table = league_table(q["window"], types=q["type"], limit=q.get("limit"), regions=chosen)
            return Response(self._rows(table))
        pages = Pages()
        rows = pages.paginate_queryset(
            RankedLeague(q["window"], q["type"], q.get("limit"), chosen), request, view=self
        )
        gaps = window_gaps(q["window"], q["type"])
        return Response(
            {
                "from": q["start"],
                "to": q["end"],
                "types": q["type"],
                "standard_percentage": f"{STANDARD_PERCENT:.2f}",
                "week_rule": WEEK_RULE,
                "months_without_figures": gaps.without_figures,
                "months_in_part": gaps.in_part,
                "not_ranked": _not_ranked(q["window"], q["type"], chosen),
                **pages.get_paginated_response(self._rows(rows)).data,
            }
        )

    @staticmethod
    def _rows(rows: list[LeagueRow]) -> list[dict]:
        funded = funding_selectors.funds_received_by([r.ods_code for r in rows])
        return [
            {
                "rank": row.rank,
                "ods_code": row.ods_code,
                "name": row.name,
                "attendances": row.attendances,
                "over_4h": row.over_4h,
                "percentage": _percentage(row.attendances, row.over_4h),
                "funds": funded.get(row.ods_code, []),
            }
            for row in rows
        ]


def _not_ranked(window: Window, types, regions, kinds=None) -> list[dict]:
    """The organisations with type 1 figures but none of these types, left out of a ranking."""
    return [
        {"ods_code": r.ods_code, "name": r.name}
        for r in not_ranked(window, types=types, regions=regions, kinds=kinds)
    ]


def _unavailable(error: impact.ImpactUnavailable) -> ValidationError:
    return ValidationError({"detail": str(error)})


class SpcView(GzippedCsvMixin, APIView):
    """An XmR chart of one organisation's four-hour performance (Making Data Count rules)."""

    @extend_schema(
        parameters=[
            *WINDOW_PARAMETERS,
            OpenApiParameter("code", str, required=True, description="an ODS code"),
            OpenApiParameter("by", str, enum=["week", "month"]),
            OpenApiParameter("baseline", int, description="points that set the first limits"),
            OpenApiParameter(
                "change_at",
                str,
                description="periods where the limits start again, comma-separated "
                "(2013-06 by month, a week's end date by week); the limits also start again "
                "at any run of 8 or more on one side of the mean",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @cached_read
    def get(self, request):
        q = query_validate(SpcQuery, request.query_params)
        code = q["code"].strip().upper()
        try:
            chart = impact.organisation_spc(
                code,
                q["window"],
                types=q["type"],
                by=q["by"],
                baseline=q.get("baseline"),
                change_at=[c.strip() for c in q.get("change_at", "").split(",") if c.strip()],
            )
        except impact.ImpactUnavailable as error:
            raise _unavailable(error) from error
        results = spc_rows(chart)
        if request.accepted_renderer.format == "csv":
            return Response(results)
        return Response(
            {
                "ods_code": code,
                "by": q["by"],
                "types": q["type"],
                "standard_percentage": _number(chart.summary.standard),
                "variation": chart.summary.variation,
                "assurance": chart.summary.assurance,
                "notes": chart.notes,
                "week_rule": chart.week_rule,
                "results": results,
            }
        )


class FunnelView(GzippedCsvMixin, APIView):
    """Trusts' four-hour performance against attendances, with 95% and 99.8% limits around the
    national mean, widened for overdispersion (Spiegelhalter 2005) unless asked not to."""

    @extend_schema(
        parameters=[
            *WINDOW_PARAMETERS,
            OpenApiParameter("region", str),
            OpenApiParameter(
                "overdispersion",
                str,
                enum=["additive", "multiplicative", "none"],
                description="additive random effects (default), multiplicative, or none "
                "(pure binomial limits)",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @cached_read
    def get(self, request):
        q = query_validate(FunnelQuery, request.query_params)
        try:
            limits, rows = impact.trust_funnel(
                q["window"],
                types=q["type"],
                regions=[q["region"]] if q.get("region") else None,
                overdispersion=q["overdispersion"],
            )
        except impact.ImpactUnavailable as error:
            raise _unavailable(error) from error
        results = funnel_rows(rows)
        if request.accepted_renderer.format == "csv":
            return Response(results)
        return Response(
            {
                "from": q["start"],
                "to": q["end"],
                "types": q["type"],
                "week_rule": WEEK_RULE,
                "not_plotted": _not_ranked(
                    q["window"],
                    q["type"],
                    [q["region"]] if q.get("region") else None,
                    kinds=[Organisation.Kind.TRUST],
                ),
                "national_mean_percentage": _number(limits.national_mean),
                "overdispersion": limits.overdispersion,
                "phi": None if limits.phi_estimated is None else f"{limits.phi_estimated:.4f}",
                "tau_pp": _number(100 * limits.tau2**0.5),
                "method": limits.method,
                "limits": [
                    {
                        "attendances": n,
                        "lower_998": _number(l998),
                        "lower_95": _number(l95),
                        "upper_95": _number(u95),
                        "upper_998": _number(u998),
                    }
                    for n, l998, l95, u95, u998 in zip(
                        limits.denominators,
                        limits.lower_998,
                        limits.lower_95,
                        limits.upper_95,
                        limits.upper_998,
                        strict=True,
                    )
                ],
                "results": results,
            }
        )


def _discontinuity(cut: impact.CutOff | None) -> dict | None:
    if cut is None:
        return None
    return {
        "rank_cut_off": (
            f"rank {cut.n} against rank {cut.n + 1}"
            if cut.cutoff_percent is not None and not cut.named
            else "each ranking's last trust chosen by rank against its first passed over"
        ),
        "selection": {"from": cut.selection.start, "to": cut.selection.end},
        "cut_off_percentage": (None if cut.cutoff_percent is None else _number(cut.cutoff_percent)),
        "cut_offs": [
            {"ranking": ranking, "percentage": _number(percent)}
            for ranking, percent in cut.cut_offs
        ],
        "named_recipients_left_out": cut.named,
        "outcome": cut.outcome,
        "trusts": cut.trusts,
        "paid_by_other_funds_above_cut_off": cut.paid_above,
        "method": cut.method,
        "estimates": [
            {
                "bandwidth_pp": _number(h),
                "effect_pp": rd and _number(rd.effect_pp),
                "ci_low_pp": rd and _number(rd.ci_low_pp),
                "ci_high_pp": rd and _number(rd.ci_high_pp),
                "p_value": rd and f"{rd.p_value:.4f}",
                "funded_in_bandwidth": rd and rd.funded_in_bandwidth,
                "unfunded_in_bandwidth": rd and rd.unfunded_in_bandwidth,
                "error": error,
            }
            for h, rd, error in cut.estimates
        ],
    }


def impact_payload(result: impact.Impact, control: str) -> dict:
    """The API's view of one comparison, and the other's headline beside it."""

    def estimate(comparison: impact.Comparison, *, weighted: bool = False) -> dict | None:
        e = comparison.weighted_estimate if weighted else comparison.estimate
        return None if e is None else estimate_fields(e)

    def estimate_fields(e: impact.stats.Estimate) -> dict:
        return {
            "effect_pp": _number(e.effect_pp),
            "ci_low_pp": _number(e.ci_low_pp),
            "ci_high_pp": _number(e.ci_high_pp),
            "std_error_pp": _number(e.std_error_pp),
            "treated_trusts": e.treated_trusts,
            "control_trusts": e.control_trusts,
            "observations": e.observations,
            "p_value": f"{e.p_value:.4f}",
            "bootstrap_p_value": f"{e.bootstrap_p:.4f}",
            "weighting": e.weighting,
            "method": e.method,
        }

    chosen = result.comparison(control)
    return {
        "fund": result.fund.slug,
        "before": {"from": result.before.start, "to": result.before.end},
        "after": {"from": result.after.start, "to": result.after.end},
        "window_warnings": result.window_warnings,
        "types": result.types,
        "types_found": result.types_found,
        "grain": result.grain,
        "week_rule": WEEK_RULE,
        "control": control,
        "control_description": chosen.description,
        "estimate": estimate(chosen),
        "lead_warning": result.lead_warning,
        "weighted_estimate": estimate(chosen, weighted=True),
        "discontinuity": _discontinuity(result.discontinuity),
        "placebos": [
            {
                "years_earlier": placebo.years_earlier,
                "before": {"from": placebo.before.start, "to": placebo.before.end},
                "after": {"from": placebo.after.start, "to": placebo.after.end},
                "estimate": placebo.estimate and estimate_fields(placebo.estimate),
                "error": placebo.error,
            }
            for placebo in chosen.placebos
        ],
        "pretrend_test": chosen.pretrend
        and {
            "f_stat": _number(chosen.pretrend.f_stat),
            "df_num": chosen.pretrend.df_num,
            "df_denom": chosen.pretrend.df_denom,
            "p_value": f"{chosen.pretrend.p_value:.4f}",
            "fails": chosen.pretrend.fails,
            "tests": "every event-study gap before the announcement is zero (cluster-robust "
            "Wald F)",
        },
        "pretrend_missing": chosen.pretrend_missing,
        "error": chosen.error,
        "treated": result.treated_codes,
        "controls": chosen.control_codes,
        "paid_by_other_funds": [
            {"ods_code": code, "funds": funds} for code, funds in chosen.paid_by_other_funds
        ],
        "footprint_changes": [
            {
                "predecessor": change.predecessor,
                "successor": change.successor,
                "effective_on": change.effective_on,
                "outcome": change.outcome,
                "reason": change.reason,
            }
            for change in result.footprint_changes
        ],
        "incomplete_trusts": result.incomplete_codes,
        "panel": "balanced: only trusts with figures in every month from the start of before "
        "to the end of after, in the estimate and the event study alike",
        "event_study": event_study_rows(result, chosen),
        "other_estimates": {
            c.control: estimate(c) for c in result.comparisons if c.control != control
        },
        "other_errors": {c.control: c.error for c in result.comparisons if c.control != control},
        "caveat": result.caveat,
    }


MEASURE_LABELS = {"1": "Type 1 (major A&E)", "all": "All types"}


class MonthlySeriesView(APIView):
    """Type 1 and all types, month by month, as two labelled series: England's, or the chosen
    organisations' together. A month no source covers has a null percentage (a gap, never a
    zero); a type 1 percentage published without counts has null counts."""

    @extend_schema(
        parameters=[OpenApiParameter("code", str, description="ODS code(s), comma-separated")],
        responses={200: OpenApiTypes.OBJECT},
    )
    @cached_read
    def get(self, request):
        codes = [
            c.strip().upper() for c in request.query_params.get("code", "").split(",") if c.strip()
        ]
        points = monthly_series(codes or None)
        if request.accepted_renderer.format == "csv":
            return Response(
                [
                    {"measure": measure, "label": label} | _month_row(p)
                    for measure, label in MEASURE_LABELS.items()
                    for p in points
                    if p.measure == measure
                ]
            )
        return Response(
            {
                "series": [
                    {
                        "measure": measure,
                        "label": label,
                        "latest_month": max(
                            (p.label for p in points if p.measure == measure and p.percent),
                            default=None,
                        ),
                        "points": [_month_row(p) for p in points if p.measure == measure],
                    }
                    for measure, label in MEASURE_LABELS.items()
                ]
            }
        )


def _month_row(point) -> dict:
    return {
        "month": point.label,
        "attendances": point.attendances,
        "over_4h": point.over_4h,
        "percentage": None if point.percent is None else f"{point.percent:.2f}",
        "sources": list(point.sources),
        "weeks": point.weeks,
    }
