"""The REST API: small views over the selectors and services, one router."""

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.fields import DateTimeField
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from funding import selectors as funding_selectors
from funding import services
from funding.models import Allocation, AllocationRun, Fund, SpendingReport, Tranche
from impact import selectors as impact_selectors
from trusts.models import Organisation, OrganisationName, Succession

from . import filters, serializers
from .analysis import TYPES_PATTERN, impact_payload
from .caching import CachedReadsMixin, cached_read
from .csv import POUNDS_SQL, CsvFormat, CsvStreamingMixin, iso_datetime_sql
from .queries import ImpactQuery, query_validate


class OrganisationViewSet(CachedReadsMixin, CsvStreamingMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "ods_code"
    filterset_class = filters.OrganisationFilter
    ordering_fields = ["ods_code", "name", "updated_at"]
    ordering = ["ods_code"]
    sync_ordering = ("updated_at", "id")
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


class FundViewSet(CachedReadsMixin, CsvStreamingMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    filterset_class = filters.FundFilter
    ordering_fields = ["announced_on", "total_pence", "name"]
    ordering = ["announced_on", "slug"]
    sync_ordering = ("updated_at", "id")
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
        run = services.fund_recompute_request(
            fund=fund, triggered_by="API request", requested_by=request.user
        )
        if run is None:
            return Response(
                {"detail": "This fund has no rule and no published allocations to compute."},
                status=status.HTTP_409_CONFLICT,
            )
        data = serializers.RunSerializer(run, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})

    @extend_schema(
        parameters=[
            OpenApiParameter("before", str, description="FROM,TO (default: the winter before)"),
            OpenApiParameter("after", str, description="FROM,TO (default: the winter after)"),
            OpenApiParameter(
                "type",
                str,
                pattern=TYPES_PATTERN,
                description="department types: 1 (default), a list such as 1,2, or all",
            ),
            OpenApiParameter("control", str, enum=["all", "near_miss"]),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, renderer_classes=[JSONRenderer, BrowsableAPIRenderer])
    @cached_read
    def impact(self, request, slug=None):
        """Difference-in-differences of four-hour performance, funded against unfunded trusts."""
        fund = get_object_or_404(Fund, slug=slug)
        q = query_validate(ImpactQuery, request.query_params)
        try:
            result = impact_selectors.fund_impact(
                fund, before=q.get("before"), after=q.get("after"), types=q["type"]
            )
        except impact_selectors.ImpactUnavailable as error:
            raise ValidationError({"detail": str(error)}) from error
        return Response(impact_payload(result, q["control"]))


class AllocationViewSet(CachedReadsMixin, CsvStreamingMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.AllocationSerializer
    filterset_class = filters.AllocationFilter
    ordering_fields = ["amount_pence", "rank", "id"]
    ordering = ["fund_id", "-amount_pence", "id"]
    # Runs write new rows, never edit old ones, so ids grow with time.
    sync_ordering = ("id",)
    csv_columns = {
        "id": "id",
        "fund": "fund__slug",
        "run": "run_id",
        "computed_at": (
            "run__finished_at",
            CsvFormat(DateTimeField().to_representation, iso_datetime_sql(settings.TIME_ZONE)),
        ),
        "recipient.ods_code": "recipient__ods_code",
        "recipient.name": "recipient__name",
        "recipient.kind": "recipient__kind",
        "recipient.region": "recipient__region",
        "intermediary": "intermediary__ods_code",
        "tranche": "tranche__name",
        "basis": "basis",
        "amount": ("amount_pence", CsvFormat(serializers.pounds, POUNDS_SQL)),
        "rank": "rank",
        "rationale": "rationale",
    }
    csv_name = "allocations"

    def get_queryset(self):
        return Allocation.objects.select_related(
            "fund", "run", "recipient", "intermediary", "tranche"
        )


class RunViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.RunSerializer
    filterset_class = filters.RunFilter
    ordering = ["-requested_at", "-id"]
    queryset = AllocationRun.objects.select_related("fund")


class SpendingViewSet(CachedReadsMixin, CsvStreamingMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.SpendingReportSerializer
    filterset_class = filters.SpendingFilter
    ordering = ["fund_id", "recipient_id", "id"]
    csv_name = "spending"

    def get_queryset(self):
        return SpendingReport.objects.select_related("fund", "recipient").prefetch_related("lines")


class RootView(APIView):
    @extend_schema(exclude=True)
    def get(self, request):
        names = ["organisation-list", "fund-list", "allocation-list", "run-list", "spending-list"]
        return Response(
            {name.removesuffix("-list"): reverse(f"api:{name}", request=request) for name in names}
            | {
                name.replace("-", "_"): reverse(f"api:{name}", request=request)
                for name in ("performance", "league", "spc", "funnel", "export-360giving")
            }
        )
