from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from funding import rules, selectors
from funding.models import (
    Allocation,
    AllocationRemoval,
    AllocationRun,
    Fund,
    FundSource,
    FundStatusChange,
    SpendingLine,
    SpendingReport,
    Tranche,
    TrancheCondition,
)
from trusts.models import (
    FoundationTrustStatus,
    Organisation,
    OrganisationName,
    Population,
    Succession,
)


def pounds(pence: int) -> str:
    return f"{Decimal(pence) / 100:.2f}"


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^\d+\.\d{2}$", "nullable": True}
)
class PoundsField(serializers.Field):
    """Pence stored, pounds shown: a decimal string with two places, never a float."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, pence):
        return None if pence is None else pounds(pence)


class ErrorSerializer(serializers.Serializer):
    """Every refusal but a bad parameter: what went wrong, in words."""

    detail = serializers.CharField()


class OrganisationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ("ods_code", "name", "kind", "region")


class NameSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrganisationName
        fields = ("name", "valid_from", "valid_to", "source")


class FoundationTrustStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = FoundationTrustStatus
        fields = ("authorised_on", "ended_on", "source")


class PopulationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Population
        fields = ("as_of", "basis", "people", "source")


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ("ods_code", "name", "kind", "region", "opened_on", "closed_on", "updated_at")


class OrganisationDetailSerializer(OrganisationSerializer):
    names = NameSerializer(many=True)
    foundation_trust_statuses = FoundationTrustStatusSerializer(many=True)
    populations = PopulationSerializer(many=True)
    successors = serializers.SerializerMethodField()
    predecessors = serializers.SerializerMethodField()

    class Meta(OrganisationSerializer.Meta):
        fields = (
            *OrganisationSerializer.Meta.fields,
            "names",
            "foundation_trust_statuses",
            "populations",
            "successors",
            "predecessors",
        )

    def get_successors(self, organisation) -> list[dict]:
        return [_succession(s.successor, s) for s in organisation.successions.all()]

    def get_predecessors(self, organisation) -> list[dict]:
        return [_succession(s.predecessor, s) for s in organisation.predecessions.all()]


def _succession(other: Organisation, succession: Succession) -> dict:
    """The other organisation of a succession; share_percent is the share of the predecessor
    that passed to the successor (a split's), null where not known."""
    share = succession.share_percent
    return {
        "ods_code": other.ods_code,
        "effective_on": succession.effective_on,
        "kind": succession.kind,
        "share_percent": None if share is None else f"{share:.3f}",
    }


class FundSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundSource
        fields = ("title", "url", "published_on", "says")


class FundStatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundStatusChange
        fields = ("status", "on", "note")


class ConditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrancheCondition
        fields = ("kind", "description")


class TrancheSerializer(serializers.ModelSerializer):
    amount = PoundsField(source="amount_pence")
    conditions = ConditionSerializer(many=True)

    class Meta:
        model = Tranche
        fields = (
            "id",
            "name",
            "amount",
            "financial_year",
            "due_on",
            "performance_linked",
            "missed_condition_policy",
            "conditions",
        )


WAVES_COUNTED = "a fund announced in waves counts its waves' allocations"


class FundSerializer(serializers.ModelSerializer):
    total = PoundsField(source="total_pence")
    modelled = PoundsField(source="modelled_pence", help_text=WAVES_COUNTED)
    published = PoundsField(source="published_pence", help_text=WAVES_COUNTED)
    recipient_count = serializers.IntegerField(read_only=True, help_text=WAVES_COUNTED)
    parent = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="the fund this is a wave of; that fund's modelled and published figures "
        "count this one's too, so to add funds up leave out either the waves or their parent",
    )
    current_scenario = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="the named scenario the modelled figures follow, for a fund whose rule or "
        "recipients were never published",
    )

    class Meta:
        model = Fund
        fields = (
            "slug",
            "name",
            "announced_by",
            "announced_on",
            "announced_on_certainty",
            "total",
            "total_is_cap",
            "financial_years",
            "money_kind",
            "route",
            "parent",
            "status",
            "modelled",
            "published",
            "recipient_count",
            "current_scenario",
            "updated_at",
        )


class FundDetailSerializer(FundSerializer):
    purpose = serializers.CharField()
    notes = serializers.CharField()
    sources = FundSourceSerializer(many=True)
    status_history = FundStatusChangeSerializer(many=True, source="status_changes")
    tranches = TrancheSerializer(many=True)
    rule = serializers.SerializerMethodField()

    class Meta(FundSerializer.Meta):
        fields = (
            *FundSerializer.Meta.fields,
            "purpose",
            "notes",
            "sources",
            "status_history",
            "tranches",
            "rule",
            "scenarios",
            "recipients_formed_later",
        )

    scenarios = serializers.SerializerMethodField()
    recipients_formed_later = serializers.SerializerMethodField(
        help_text="Current recipients that took over organisations of their kind after the "
        "fund's first year began: the rule's figures count them as one, so each is paid what "
        "they held."
    )

    def get_recipients_formed_later(self, fund) -> list[dict]:
        return [
            {
                "ods_code": formed.ods_code,
                "name": formed.name,
                "took_over": list(formed.took_over),
                "on": formed.effective_on,
            }
            for formed in selectors.recipients_formed_later(fund)
        ]

    def get_scenarios(self, fund) -> list[dict]:
        return [
            {
                "name": scenario.name,
                "current": scenario.is_current,
                "reason": scenario.reason,
                "kind": scenario.kind,
                "parameters": scenario.parameters,
                "in_words": rules.describe(scenario.kind, scenario.parameters),
            }
            for scenario in fund.scenarios.all()
        ]

    def get_rule(self, fund) -> dict | None:
        rule = getattr(fund, "rule", None)
        if rule is None:
            return None
        return {
            "kind": rule.kind,
            "version": rule.version,
            "parameters": rule.parameters,
            "in_words": rules.describe(rule.kind, rule.parameters),
        }


class AllocationSerializer(serializers.ModelSerializer):
    fund = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    recipient = OrganisationSummarySerializer()
    intermediary = serializers.SlugRelatedField(
        slug_field="ods_code", read_only=True, allow_null=True
    )
    tranche = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    amount = PoundsField(source="amount_pence")
    computed_at = serializers.DateTimeField(
        source="run.finished_at", read_only=True, help_text="when its run finished"
    )
    changed_at = serializers.DateTimeField(
        read_only=True,
        help_text=(
            "when this recipient, tranche and basis last got a different amount, rank, "
            "rationale or intermediary (`updated_since` compares with this)"
        ),
    )

    class Meta:
        model = Allocation
        fields = (
            "id",
            "fund",
            "run",
            "computed_at",
            "changed_at",
            "recipient",
            "intermediary",
            "tranche",
            "basis",
            "amount",
            "rank",
            "rationale",
        )


class AllocationRemovalSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="allocation_id", help_text="the allocation removed")
    fund = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    recipient = serializers.CharField(source="allocation.recipient.ods_code")
    tranche = serializers.CharField(source="allocation.tranche.name", allow_null=True)
    basis = serializers.CharField(source="allocation.basis")

    class Meta:
        model = AllocationRemoval
        fields = ("id", "fund", "recipient", "tranche", "basis", "run", "removed_at")


class RunSerializer(serializers.ModelSerializer):
    fund = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    total = PoundsField(source="total_pence")
    url = serializers.HyperlinkedIdentityField(view_name="api:run-detail")

    class Meta:
        model = AllocationRun
        fields = (
            "id",
            "url",
            "fund",
            "status",
            "is_current",
            "triggered_by",
            "inputs_fingerprint",
            "rule_kind",
            "rule_version",
            "progress",
            "requested_at",
            "started_at",
            "finished_at",
            "total",
            "recipient_count",
            "error",
        )


class SpendingLineSerializer(serializers.ModelSerializer):
    amount = PoundsField(source="amount_pence")

    class Meta:
        model = SpendingLine
        fields = ("category", "amount", "note")


class SpendingReportSerializer(serializers.ModelSerializer):
    fund = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    recipient = OrganisationSummarySerializer()
    allocation = PoundsField(source="allocation_pence")
    uncommitted = PoundsField(source="uncommitted_pence")
    lines = SpendingLineSerializer(many=True)

    class Meta:
        model = SpendingReport
        fields = (
            "id",
            "fund",
            "recipient",
            "period",
            "allocation",
            "uncommitted",
            "lines",
            "source",
            "source_url",
        )
