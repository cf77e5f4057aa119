"""Funds and allocations as 360Giving grants, so they sit beside every other UK grant.

Organisations are identified by org-id (https://org-id.guide): `GB-NHS-{ODS code}` for NHS
bodies, and for government departments their entry in the UK Government Organisation Register
(`GB-GOR`, https://org-id.guide/list/GB-GOR; the register was archived in 2021, its entries
are kept by ODI Leeds' copy, github.com/odileeds/uk-government-organisations,
gov.uk_government_organisations-augmented.csv, column GB-GOR). A body we have not matched to
a register entry gets an identifier under this product's own `360G-` prefix, as 360Giving's
guidance allows. Modelled allocations are not grants anyone made, so they are left out unless
asked for, and then say so in their title and description (and a recipient a source gives a
figure for has that figure alone); a withdrawn fund's money was never
given, so its allocations are left out.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from funding.models import Allocation, Fund, Scenario
from funding.money import pence_to_pounds
from funding.selectors import as_received, current_allocations, fund_and_wave_ids

from .caching import cached_read

PREFIX = "360G-nhs-urgent-care-funding"

# The funders' registered org-ids. GB-GOR: D12 is the Department of Health (renamed the
# Department of Health and Social Care in 2018: the same entry), D15 HM Treasury, OT532 the
# Prime Minister's Office, 10 Downing Street. NHS England by its ODS code, X24.
FUNDERS = {
    Fund.Body.DH: "GB-GOR-D12",
    Fund.Body.TREASURY: "GB-GOR-D15",
    Fund.Body.PRIME_MINISTER: "GB-GOR-OT532",
    Fund.Body.NHS_ENGLAND: "GB-NHS-X24",
}


def org_id(ods_code: str) -> str:
    return f"GB-NHS-{ods_code}"


def funder(fund: Fund) -> dict:
    identifier = FUNDERS.get(fund.announced_by) or f"{PREFIX}-body-{fund.announced_by}"
    return {"id": identifier, "name": fund.get_announced_by_display()}


def grant(allocation: Allocation, request, scenarios: dict[int, str]) -> dict:
    """One allocation as a grant; `scenarios` names each fund's current scenario, if any."""
    fund = allocation.fund
    modelled = allocation.basis == Allocation.Basis.MODELLED
    scenario = scenarios.get(fund.pk)
    title = f"{fund.name}: {allocation.recipient.name}"
    page = request.build_absolute_uri(reverse("dashboards:fund", args=[fund.slug]))
    record = {
        "id": f"{PREFIX}-{fund.slug}-{allocation.recipient.ods_code}-{allocation.basis}"
        + (f"-{allocation.tranche_id}" if allocation.tranche_id else ""),
        "title": f"{title} (modelled)" if modelled else title,
        "description": (
            (
                f"Modelled by the fund's rule (current scenario: {scenario}), not a published "
                "figure: "
                if modelled and scenario
                else "Modelled by the fund's rule, not a published figure: "
                if modelled
                else ""
            )
            + allocation.rationale
        ),
        "currency": "GBP",
        # 360Giving's schema wants a JSON number; pence / 100 prints exactly.
        "amountAwarded": pence_to_pounds(allocation.amount_pence),
        "awardDate": fund.announced_on.isoformat(),
        "recipientOrganization": [
            {"id": org_id(allocation.recipient.ods_code), "name": allocation.recipient.name}
        ],
        "fundingOrganization": [funder(fund)],
        "grantProgramme": [{"code": fund.slug, "title": fund.name, "url": page}],
        "dataSource": page,
    }
    if allocation.intermediary_id:
        record["fundingOrganization"].append(
            {
                "id": org_id(allocation.intermediary.ods_code),
                "name": f"{allocation.intermediary.name} (paid through)",
            }
        )
    return record


class GivingQuery(serializers.Serializer):
    # A slug no fund has is refused, naming it, as the lists refuse it.
    fund = serializers.SlugRelatedField(
        queryset=Fund.objects.all(),
        slug_field="slug",
        required=False,
        error_messages={"does_not_exist": "no fund has the slug {value!r}"},
    )
    basis = serializers.ChoiceField(choices=("published", "all"), default="published")


class Giving360View(APIView):
    """Funds and their current allocations in the 360Giving data standard (JSON)."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("fund", str, description="one fund's slug"),
            OpenApiParameter(
                "basis", str, enum=["published", "all"], description="all adds modelled"
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @cached_read
    def get(self, request):
        query = GivingQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = (
            as_received(current_allocations())
            .filter(amount_pence__gt=0)
            .exclude(fund__status=Fund.Status.WITHDRAWN)
            .order_by("fund_id", "id")
        )
        if query.validated_data.get("fund"):
            rows = rows.filter(fund__in=fund_and_wave_ids(query.validated_data["fund"].pk))
        if query.validated_data["basis"] == "published":
            rows = rows.filter(basis=Allocation.Basis.PUBLISHED)
        scenarios = dict(Scenario.objects.filter(is_current=True).values_list("fund_id", "name"))
        return Response(
            {"grants": [grant(a, request, scenarios) for a in rows.iterator(chunk_size=2_000)]}
        )
