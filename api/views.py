"""The REST API: small views over the selectors and services, one router."""

from django.conf import settings
from django.db.models import Prefetch
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
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
from funding.models import (
    Allocation,
    AllocationRemoval,
    AllocationRun,
    Fund,
    SpendingReport,
    Tranche,
)
from impact import selectors as impact_selectors
from trusts.models import Organisation, OrganisationName, Succession

from . import filters, serializers
from .analysis import TYPES_PATTERN, impact_payload
from .caching import CachedReadsMixin, cached_read
from .csv import POUNDS_SQL, CsvFormat, CSVRenderer, CsvStreamingMixin, iso_datetime_sql
from .queries import ImpactQuery, query_validate
from .rows import ValuesListMixin, identity_url

# The list and its CSV show the same columns.
LIST_ACTIONS = ("list", "csv")
CSV_DATETIME = CsvFormat(DateTimeField().to_representation, iso_datetime_sql(settings.TIME_ZONE))
POUNDS = CsvFormat(serializers.pounds, POUNDS_SQL)


class CsvReadOnlyViewSet(
    CachedReadsMixin, CsvStreamingMixin, ValuesListMixin, viewsets.ReadOnlyModelViewSet
):
    """Cached reads whose list is also one CSV file at `…/csv/` (or `?format=csv`)."""

    @extend_schema(
        responses={
            (200, CSVRenderer.media_type): OpenApiResponse(
                OpenApiTypes.STR,
                description="A header line, then one line per row: the list's JSON columns, "
                "nested objects as dotted names (recipient.ods_code), money as pounds with "
                "two decimals, an empty cell for null.",
            )
        }
    )
    @action(detail=False, renderer_classes=[CSVRenderer], pagination_class=None)
    def csv(self, request, *args, **kwargs):
        """Every row the list's filters match, as one CSV file (no pages)."""
        return self.list(request, *args, **kwargs)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if self.action == "csv":
            # A refusal is JSON, as everywhere else in the API, not a CSV of one message.
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response


@extend_schema_view(
    list=extend_schema(
        description=(
            "Trusts and commissioners (CCGs, PCTs, health and wellbeing boards) by ODS code, with"
            " region and the dates they opened and closed. With `updated_since`, pages follow a "
            "cursor, oldest change first; keep the last page's `next` link and call it next time "
            "to fetch only what changed."
        )
    ),
    retrieve=extend_schema(
        description=(
            "One organisation: its names over time, foundation trust status, populations, and the"
            " organisations it became or absorbed."
        )
    ),
)
class OrganisationViewSet(CsvReadOnlyViewSet):
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


@extend_schema_view(
    list=extend_schema(
        description=(
            "Announced funds: who announced them and when, the total, the route the money took, "
            "status, and what was modelled and published, in pounds. With `updated_since`, pages "
            "follow a cursor, oldest change first; keep the last page's `next` link and call it "
            "next time to fetch only what changed."
        )
    ),
    retrieve=extend_schema(
        description=(
            "One fund: purpose, sources, dated status history, tranches with their conditions, "
            "and its allocation rule in words."
        )
    ),
)
class FundViewSet(CsvReadOnlyViewSet):
    lookup_field = "slug"
    filterset_class = filters.FundFilter
    ordering_fields = ["announced_on", "total_pence", "name"]
    ordering = ["announced_on", "slug"]
    sync_ordering = ("updated_at", "id")
    csv_name = "funds"
    # The list's JSON from one values query: the serializer's fields, in its order.
    list_columns = {
        "slug": "slug",
        "name": "name",
        "announced_by": "announced_by",
        "announced_on": "announced_on",
        "announced_on_certainty": "announced_on_certainty",
        "total": ("total_pence", POUNDS),
        "total_is_cap": "total_is_cap",
        "financial_years": "financial_years",
        "money_kind": "money_kind",
        "route": "route",
        "parent": "parent__slug",
        "status": "status",
        "modelled": ("modelled_pence", POUNDS),
        "published": ("published_pence", POUNDS),
        "recipient_count": "recipient_count",
        "current_scenario": "current_scenario",
        "updated_at": ("updated_at", CSV_DATETIME),
    }

    def get_queryset(self):
        funds = funding_selectors.funds_with_totals().select_related("parent")
        if self.action not in LIST_ACTIONS:
            funds = funds.select_related("rule").prefetch_related(
                "scenarios",
                "sources",
                "status_changes",
                Prefetch("tranches", queryset=Tranche.objects.prefetch_related("conditions")),
            )
        return funds

    def get_serializer_class(self):
        if self.action in LIST_ACTIONS:
            return serializers.FundSerializer
        return serializers.FundDetailSerializer

    @extend_schema(
        request=None,
        responses={
            202: OpenApiResponse(
                serializers.RunSerializer,
                description="The run, queued; its address is in the Location header.",
            ),
            409: OpenApiResponse(
                serializers.ErrorSerializer,
                description="The fund is withdrawn, or has no rule and no published "
                "allocations to compute.",
            ),
        },
        parameters=[
            OpenApiParameter(
                "Location",
                str,
                location=OpenApiParameter.HEADER,
                response=[202],
                description="the run's URL, to poll until it finishes",
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def recompute(self, request, slug=None):
        """Recomputes the fund's allocations from its rule and published figures, in the
        background. Fund admins only: send `Authorization: Bearer <token>`. Each request
        queues one run; poll the run's URL until it finishes."""
        fund = get_object_or_404(Fund, slug=slug)
        run = services.fund_recompute_request(
            fund=fund, triggered_by="API request", requested_by=request.user
        )
        if run is None:
            reason = services.recompute_refusal(fund)
            return Response({"detail": reason}, status=status.HTTP_409_CONFLICT)
        data = serializers.RunSerializer(run, context={"request": request}).data
        # A plain str: the serializer's url is a Hyperlink, which Django's development
        # server refuses as a header value (a 500 after the run was already queued).
        location = reverse("api:run-detail", args=[run.pk], request=request)
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

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
            OpenApiParameter(
                "control",
                str,
                enum=["unfunded", "other_funds", "near_miss"],
                description="unfunded: no fund paid them in the windows; other_funds (default): "
                "every other trust; near_miss: ranked just outside a worst_n cut-off",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, renderer_classes=[JSONRenderer, BrowsableAPIRenderer])
    @cached_read
    def impact(self, request, slug=None):
        """Difference-in-differences of four-hour performance, funded trusts against comparisons."""
        fund = get_object_or_404(Fund, slug=slug)
        q = query_validate(ImpactQuery, request.query_params)
        try:
            result = impact_selectors.fund_impact(
                fund, before=q.get("before"), after=q.get("after"), types=q["type"]
            )
        except impact_selectors.ImpactUnavailable as error:
            raise ValidationError({"detail": str(error)}) from error
        return Response(impact_payload(result, q["control"]))


@extend_schema_view(
    list=extend_schema(
        description=(
            "Who got what: one row per recipient, tranche and basis (published or modelled), from"
            " each fund's current run unless `run` names another. Amounts are decimal strings in "
            "pounds. With `updated_since`, pages follow a cursor, oldest change first; keep the "
            "last page's `next` link and call it next time to fetch only what changed."
        )
    ),
    retrieve=extend_schema(description="One allocation."),
)
class AllocationViewSet(CsvReadOnlyViewSet):
    serializer_class = serializers.AllocationSerializer
    filterset_class = filters.AllocationFilter
    ordering_fields = ["amount_pence", "rank", "id"]
    ordering = ["fund_id", "-amount_pence", "id"]
    sync_ordering = ("changed_at", "id")
    csv_columns = {
        "id": "id",
        "fund": "fund__slug",
        "run": "run_id",
        "computed_at": ("run__finished_at", CSV_DATETIME),
        "changed_at": ("changed_at", CSV_DATETIME),
        "recipient.ods_code": "recipient__ods_code",
        "recipient.name": "recipient__name",
        "recipient.kind": "recipient__kind",
        "recipient.region": "recipient__region",
        "intermediary": "intermediary__ods_code",
        "tranche": "tranche__name",
        "basis": "basis",
        "amount": ("amount_pence", POUNDS),
        "rank": "rank",
        "rationale": "rationale",
    }
    # The JSON list has the CSV's columns, nested by their dotted names.
    list_columns = csv_columns
    csv_name = "allocations"

    def get_queryset(self):
        return Allocation.objects.select_related(
            "fund", "run", "recipient", "intermediary", "tranche"
        )


@extend_schema_view(
    list=extend_schema(
        description=(
            "Allocation runs, newest first: when each was requested, started and finished, its "
            "status, total and number of recipients. A run that becomes current replaces its "
            "fund's allocations."
        )
    ),
    retrieve=extend_schema(
        description=(
            "One run. After a recompute, poll it until its status is succeeded, skipped or failed."
        )
    ),
)
class RunViewSet(ValuesListMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.RunSerializer
    filterset_class = filters.RunFilter
    ordering = ["-requested_at", "-id"]
    sync_ordering = ("changed_at", "id")
    # A run changes when it is requested, started and finished, and when a newer run or a
    # withdrawal makes it no longer current.
    queryset = AllocationRun.objects.select_related("fund").annotate(
        changed_at=Coalesce("superseded_at", "finished_at", "started_at", "requested_at")
    )

    def get_list_columns(self) -> dict:
        """The serializer's fields; each run's url is the address of this request's host."""
        return {
            "id": "id",
            "url": ("id", identity_url(self.request, "api:run-detail")),
            "fund": "fund__slug",
            "status": "status",
            "is_current": "is_current",
            "triggered_by": "triggered_by",
            "inputs_fingerprint": "inputs_fingerprint",
            "rule_kind": "rule_kind",
            "rule_version": "rule_version",
            "progress": "progress",
            "requested_at": ("requested_at", CSV_DATETIME),
            "started_at": ("started_at", CSV_DATETIME),
            "finished_at": ("finished_at", CSV_DATETIME),
            "total": ("total_pence", POUNDS),
            "recipient_count": "recipient_count",
            "error": "error",
        }


@extend_schema_view(
    list=extend_schema(
        description=(
            "Tombstones: allocations that stopped being current because their fund's new run "
            "has no row for their recipient, tranche and basis. A client syncing allocations "
            "deletes these rows, then applies the rows changed since (allocations/ with "
            "`updated_since`); both feeds' last `next` links are where to start next time."
        )
    ),
    retrieve=extend_schema(description="One tombstone."),
)
class AllocationRemovalViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.AllocationRemovalSerializer
    filterset_class = filters.AllocationRemovalFilter
    ordering = ["removed_at", "id"]
    sync_ordering = ("removed_at", "id")
    queryset = AllocationRemoval.objects.select_related(
        "fund", "allocation__recipient", "allocation__tranche"
    )


@extend_schema_view(
    list=extend_schema(
        description=(
            "What recipients reported spending from each fund, by category, and what was left "
            "uncommitted."
        )
    ),
    retrieve=extend_schema(description="One spending report with its lines."),
)
class SpendingViewSet(CsvReadOnlyViewSet):
    serializer_class = serializers.SpendingReportSerializer
    filterset_class = filters.SpendingFilter
    ordering = ["fund_id", "recipient_id", "id"]
    csv_name = "spending"

    def get_queryset(self):
        return SpendingReport.objects.select_related("fund", "recipient").prefetch_related("lines")


class RootView(APIView):
    @extend_schema(exclude=True)
    def get(self, request):
        names = [
            *("organisation-list", "fund-list", "allocation-list", "allocation-removal-list"),
            *("run-list", "spending-list"),
        ]
        return Response(
            {name.removesuffix("-list"): reverse(f"api:{name}", request=request) for name in names}
            | {
                name.replace("-", "_"): reverse(f"api:{name}", request=request)
                for name in (
                    "performance",
                    "monthly",
                    "league",
                    "spc",
                    "funnel",
                    "export-360giving",
                )
            }
        )
