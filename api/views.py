"""The REST API: small views over the selectors and services, one router."""

from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from funding import selectors as funding_selectors
from funding import services
from funding.models import Allocation, AllocationRun, Fund, SpendingReport, Tranche
from trusts.models import Organisation, OrganisationName, Succession
from trusts.selectors import STANDARD_PERCENT, league_table
from trusts.windows import Window

from . import filters, serializers
from .csv import csv_lines


class CsvStreamingMixin:
    """`?format=csv` streams every matching row (not one page) with the JSON's columns."""

    csv_name = "export"

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        serializer_class = self.get_serializer_class()
        context = self.get_serializer_context()
        rows = (
            serializer_class(item, context=context).data
            for item in queryset.iterator(chunk_size=2_000)
        )
        response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.csv_name}.csv"'
        return response


class OrganisationViewSet(CsvStreamingMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "ods_code"
    filterset_class = filters.OrganisationFilter
    ordering_fields = ["ods_code", "name", "updated_at"]
    ordering = ["ods_code"]
    csv_name = "organisations"

    def get_queryset(self):
        organisations = Organisation.objects.all()
        if self.action == "retrieve":
            organisations = organisations.prefetch_related(
                Prefetch("names", queryset=OrganisationName.objects.order_by("valid_from")),
                "foundation_trust_statuses",
                "populations",
                Prefetch("successions", queryset=Succession.objects.select_related("successor")),
                Prefetch(
                    "predecessions", queryset=Succession.objects.select_related("predecessor")
                ),
            )
        return organisations

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.OrganisationDetailSerializer
        return serializers.OrganisationSerializer


class FundViewSet(CsvStreamingMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    ordering_fields = ["announced_on", "total_pence", "name"]
    ordering = ["announced_on", "slug"]
    csv_name = "funds"

    def get_queryset(self):
        funds = funding_selectors.funds_with_totals().select_related("parent")
        if self.action != "list":
            funds = funds.select_related("rule").prefetch_related(
                "sources",
                "status_changes",
                Prefetch("tranches", queryset=Tranche.objects.prefetch_related("conditions")),
            )
        return funds

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.FundSerializer
        return serializers.FundDetailSerializer

    @extend_schema(request=None, responses={202: serializers.RunSerializer})
    @action(detail=True, methods=["post"])
    def recompute(self, request, slug=None):
        """Queues a recompute of the fund's allocations; answers 202 with the run."""
        fund = get_object_or_404(Fund, slug=slug)
        run = services.fund_recompute_request(fund=fund, triggered_by=f"API by {request.user}")
        if run is None:
            return Response(
                {"detail": "This fund has no rule and no published allocations to compute."},
                status=status.HTTP_409_CONFLICT,
            )
        data = serializers.RunSerializer(run, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


class AllocationViewSet(CsvStreamingMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.AllocationSerializer
    filterset_class = filters.AllocationFilter
    ordering_fields = ["amount_pence", "rank", "id"]
    ordering = ["fund_id", "-amount_pence", "id"]
    csv_name = "allocations"

    def get_queryset(self):
        return Allocation.objects.select_related("fund", "recipient", "intermediary", "tranche")


class RunViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.RunSerializer
    filterset_class = filters.RunFilter
    ordering = ["-requested_at", "-id"]
    queryset = AllocationRun.objects.select_related("fund")


class SpendingViewSet(CsvStreamingMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.SpendingReportSerializer
    filterset_class = filters.SpendingFilter
    ordering = ["fund_id", "recipient_id", "id"]
    csv_name = "spending"

    def get_queryset(self):
        return SpendingReport.objects.select_related("fund", "recipient").prefetch_related("lines")


class LeagueView(APIView):
    """Four-hour performance over a window, worst first, with the funds each received."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
            OpenApiParameter("type", str, description="1, 2, other, a list such as 1,2, or all"),
            OpenApiParameter("limit", int),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        query = serializers.LeagueQuerySerializer(
            data={
                "start": request.query_params.get("from"),
                "end": request.query_params.get("to"),
                "type": request.query_params.get("type", "all"),
                **(
                    {"limit": request.query_params["limit"]}
                    if "limit" in request.query_params
                    else {}
                ),
            }
        )
        if not query.is_valid():
            errors = {
                {"start": "from", "end": "to"}.get(name, name): messages
                for name, messages in query.errors.items()
            }
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        q = query.validated_data
        rows = league_table(Window(q["start"], q["end"]), types=q["types"], limit=q.get("limit"))
        funded = funding_selectors.funds_received_by([r.ods_code for r in rows])
        results = [
            {
                "rank": row.rank,
                "ods_code": row.ods_code,
                "name": row.name,
                "attendances": row.attendances,
                "over_4h": row.over_4h,
                "percentage": None if row.percent is None else f"{row.percent:.2f}",
                "funds": funded.get(row.ods_code, []),
            }
            for row in rows
        ]
        if request.accepted_renderer.format == "csv":
            return Response(results)
        return Response(
            {
                "from": q["start"],
                "to": q["end"],
                "types": q["types"],
                "standard_percentage": f"{STANDARD_PERCENT:.2f}",
                "results": results,
            }
        )


class RootView(APIView):
    @extend_schema(exclude=True)
    def get(self, request):
        names = ["organisation-list", "fund-list", "allocation-list", "run-list", "spending-list"]
        return Response(
            {name.removesuffix("-list"): reverse(f"api:{name}", request=request) for name in names}
            | {"league": reverse("api:league", request=request)}
        )
