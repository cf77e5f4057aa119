"""What was announced, by which rule it is shared, who gets what by which route, what was spent."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from lib.expressions import json_type_is
from trusts.models import Organisation

from . import rules

# A date an announcement, a step or a payment can have: the rule windows' range. Far outside it
# (0001-01-01, 9999-12-31) the impact windows worked from the date left the calendar.
PLAUSIBLE_DATE = [
    MinValueValidator(rules.EARLIEST_DATE, f"Enter a date from {rules.EARLIEST_DATE:%-d %B %Y}."),
    MaxValueValidator(rules.LATEST_DATE, f"Enter a date up to {rules.LATEST_DATE:%-d %B %Y}."),
]


class FundQuerySet(models.QuerySet):
    def standing(self) -> "FundQuerySet":
        """Funds not withdrawn: what pages, menus and exports offer."""
        return self.exclude(status=Fund.Status.WITHDRAWN)


class Fund(models.Model):
    class Body(models.TextChoices):
        DH = "dh", "Department of Health"
        TREASURY = "treasury", "HM Treasury"
        PRIME_MINISTER = "pm", "Prime Minister (Downing Street)"
        NHS_ENGLAND = "nhse", "NHS England"
        MONITOR = "monitor", "Monitor"
        TDA = "tda", "NHS Trust Development Authority"
        SHA = "sha", "Strategic health authority"
        DCLG = "dclg", "Department for Communities and Local Government"

    class MoneyKind(models.TextChoices):
        NEW = "new", "New money"
        REALLOCATION = "reallocation", "Reallocation of existing budgets"
        TOP_SLICE = "top_slice", "Top-slice of existing budgets"

    class Route(models.TextChoices):
        DIRECT_TO_TRUSTS = "direct_to_trusts", "Paid to trusts directly"
        VIA_PCT_CLUSTERS = "via_pct_clusters", "To CCGs through their PCT cluster"
        TO_CCGS = "to_ccgs", "Paid to CCGs"
        HWB_POOL = "hwb_pool", "Pooled by health and wellbeing boards (councils and CCGs)"
        HELD_REGIONALLY = "held_regionally", "Held and spent regionally"

    class Status(models.TextChoices):
        ANNOUNCED = "announced", "Announced"
        ALLOCATING = "allocating", "Allocating"
        ALLOCATED = "allocated", "Allocated"
        PAID = "paid", "Paid"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class DateCertainty(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed: a dated page says so"
        INFERRED = "inferred", "Inferred from wording and dated coverage"
        NOT_CONFIRMED = "not_confirmed", "Not confirmed"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    announced_by = models.CharField(max_length=20, choices=Body.choices)
    announced_on = models.DateField(validators=PLAUSIBLE_DATE)
    announced_on_certainty = models.CharField(
        max_length=20, choices=DateCertainty.choices, default=DateCertainty.CONFIRMED
    )
    total_pence = models.BigIntegerField(help_text="The announced total, in pence.")
    total_is_cap = models.BooleanField(default=False, help_text='The announcement said "up to".')
    financial_years = models.JSONField(default=list, help_text='e.g. ["2013-14", "2014-15"]')
    purpose = models.TextField()
    money_kind = models.CharField(max_length=20, choices=MoneyKind.choices)
    route = models.CharField(max_length=20, choices=Route.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="waves"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ANNOUNCED)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()
    objects = FundQuerySet.as_manager()

    class Meta:
        ordering = ["announced_on", "name"]
        permissions = [("recompute_fund", "Can recompute a fund's allocations")]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_pence__gte=0),
                name="fund_not_negative",
                violation_error_message="The total cannot be negative.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")),
                name="fund_not_own_wave",
                violation_error_message="A fund cannot be a wave of itself: choose another parent.",
            ),
            # Pages read each year of every fund: one string read as a list of characters
            # broke them all.
            models.CheckConstraint(
                condition=json_type_is("financial_years", "array"),
                name="fund_financial_years_a_list",
                violation_error_message='Financial years must be a list, such as ["2013-14"].',
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def primary_source(self) -> "FundSource | None":
        return next(iter(self.sources.all()), None)


class FundSource(models.Model):
    """An announcement, article or answer that states the fund's facts."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=500)
    published_on = models.DateField(null=True, blank=True, validators=PLAUSIBLE_DATE)
    says = models.TextField(blank=True, help_text="What this source states, in brief.")
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["fund", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "url"],
                name="fund_source_once",
                violation_error_message="This fund already lists a source at this address.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class FundStatusChange(models.Model):
    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=20, choices=Fund.Status.choices)
    on = models.DateField(validators=PLAUSIBLE_DATE)
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["fund", "on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "status"],
                name="fund_status_dated_once",
                violation_error_message="This status is already dated: change that step instead.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund} {self.status} on {self.on}"


class Tranche(models.Model):
    class MissedConditionPolicy(models.TextChoices):
        NOT_APPLICABLE = "n/a", "Not performance-linked"
        WITHHOLD = "withhold", "Withhold the money"
        PAY_AND_SUPPORT = "pay_and_support", "Pay in full and send support"
        REDIRECT = "redirect", "Pay, but the money goes to services agreed locally"

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="tranches")
    name = models.CharField(max_length=120)
    amount_pence = models.BigIntegerField()
    financial_year = models.CharField(max_length=7, blank=True)
    due_on = models.DateField(null=True, blank=True, validators=PLAUSIBLE_DATE)
    performance_linked = models.BooleanField(default=False)
    missed_condition_policy = models.CharField(
        max_length=20,
        choices=MissedConditionPolicy.choices,
        default=MissedConditionPolicy.NOT_APPLICABLE,
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["fund", "due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "name"],
                name="tranche_name_once_per_fund",
                violation_error_message="This fund already has a tranche of this name.",
            ),
            models.CheckConstraint(
                condition=Q(amount_pence__gte=0),
                name="tranche_not_negative",
                violation_error_message="A tranche's amount cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund}: {self.name}"

    def clean(self):
        """A financial year written as the funds and the API's filter write it (2013-14),
        and one of the fund's own."""
        if not self.financial_year:
            return
        try:
            rules.financial_year_checked(self.financial_year)
        except ValueError as error:
            raise ValidationError({"financial_year": str(error)}) from None
        try:
            years = self.fund.financial_years
        except Fund.DoesNotExist:  # no fund chosen: that field says so
            return
        if years and self.financial_year not in years:
            raise ValidationError(
                {"financial_year": f"is not one of the fund's years: {', '.join(years)}"}
            )


class TrancheCondition(models.Model):
    class Kind(models.TextChoices):
        CONDITION = "condition", "National condition"
        NATIONAL_METRIC = "national_metric", "National metric"
        LOCAL_METRIC = "local_metric", "Local metric"

    tranche = models.ForeignKey(Tranche, on_delete=models.CASCADE, related_name="conditions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["tranche", "kind", "id"]

    def __str__(self) -> str:
        return self.description


class AllocationRule(models.Model):
    """How a fund is shared out; its parameters are checked by funding.rules for its kind."""

    # Named members (Kind.WORST_N) for code that asks about one kind; the kinds themselves
    # are funding.rules.RULE_KINDS.
    Kind = models.TextChoices(
        "Kind", {kind.key.upper(): (kind.key, kind.label) for kind in rules.RULE_KINDS}
    )

    fund = models.OneToOneField(Fund, on_delete=models.CASCADE, related_name="rule")
    kind = models.CharField(max_length=20, choices=rules.kind_choices)
    parameters = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=json_type_is("parameters", "object"),
                name="rule_parameters_an_object",
                violation_error_message="A rule's parameters must be named values (a JSON object).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund}: {self.get_kind_display()} (v{self.version})"


class Scenario(models.Model):
    """A named alternative rule for a fund whose rule or recipients were never published.

    Scenarios are computed side by side (funding.services.scenario_runs); the current one is
    the fund's rule, the others are there to show who would gain or lose under each."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=rules.kind_choices)
    parameters = models.JSONField(default=dict, blank=True)
    is_current = models.BooleanField(default=False)
    reason = models.TextField(
        blank=True, help_text="Why this scenario is (or is not) the fund's current model."
    )
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["fund", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "name"],
                name="scenario_name_once_per_fund",
                violation_error_message="This fund already has a scenario of this name.",
            ),
            models.UniqueConstraint(
                fields=["fund"],
                condition=Q(is_current=True),
                name="one_current_scenario_per_fund",
                violation_error_message="Only one scenario of a fund can be the current model.",
            ),
            models.CheckConstraint(
                condition=json_type_is("parameters", "object"),
                name="scenario_parameters_an_object",
                violation_error_message=(
                    "A scenario's parameters must be named values (a JSON object)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund}: {self.name}{' (current)' if self.is_current else ''}"


class PublishedAllocation(models.Model):
    """An amount stated for a recipient by a source, as announced (not computed)."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="published_allocations")
    recipient = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    tranche = models.ForeignKey(Tranche, null=True, blank=True, on_delete=models.CASCADE)
    amount_pence = models.BigIntegerField()
    source = models.CharField(max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["fund", "recipient"]
        constraints = [
            # Two conditional constraints, because SQLite cannot treat NULL tranches as equal.
            models.UniqueConstraint(
                fields=["fund", "recipient", "tranche"],
                name="published_allocation_once",
                violation_error_message="This recipient has a published amount in this tranche.",
            ),
            models.UniqueConstraint(
                fields=["fund", "recipient"],
                condition=Q(tranche__isnull=True),
                name="published_allocation_once_untranched",
                violation_error_message="This recipient has a published amount outside tranches.",
            ),
            models.CheckConstraint(
                condition=Q(amount_pence__gte=0),
                name="published_allocation_not_negative",
                violation_error_message="A published amount cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund}: {self.recipient.ods_code} £{self.amount_pence / 100:,.2f} (published)"

    def clean(self):
        from .selectors import FOOTING_RULE, published_on_other_footing

        if self.fund_id is None or self.recipient_id is None:
            return
        clash = published_on_other_footing(
            fund_id=self.fund_id,
            tranche_id=self.tranche_id,
            recipient_ids=[self.recipient_id],
            exclude_pk=self.pk,
        )
        if clash:
            where = clash[self.recipient_id]
            code = self.recipient.ods_code
            raise ValidationError(
                {"recipient": f"{code} is already published {where}; {FOOTING_RULE}"}
            )


class AllocationRun(models.Model):
    """One computation of a fund's allocations; exactly one succeeded run per fund is current."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (inputs unchanged)"

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    is_current = models.BooleanField(default=False)
    triggered_by = models.CharField(max_length=200)
    inputs_fingerprint = models.CharField(max_length=64, blank=True)
    rule_kind = models.CharField(max_length=20, blank=True)
    rule_version = models.PositiveIntegerField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written every few seconds while a worker computes the run; a running run whose
    # heartbeat stops has lost its worker, and the reaper frees the fund.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Who asked, for the audit export; public pages and the API name only the role
    # (triggered_by), never the account.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    # When a newer run (or the fund's withdrawal) made this run no longer current: a client
    # syncing runs is sent it again.
    superseded_at = models.DateTimeField(null=True, blank=True)
    # What a succeeded run wrote: its modelled pence (the total), its published pence and
    # how many recipients; the funds list adds up its funds' current runs, not their rows.
    total_pence = models.BigIntegerField(null=True, blank=True)
    published_pence = models.BigIntegerField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(null=True, blank=True)
    notes = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund"],
                condition=Q(is_current=True),
                name="one_current_run_per_fund",
                violation_error_message="Only one run of a fund can be current.",
            ),
            models.CheckConstraint(
                condition=Q(is_current=False) | Q(status="succeeded"),
                name="only_a_succeeded_run_is_current",
                violation_error_message="Only a run that succeeded can be current.",
            ),
            models.CheckConstraint(
                condition=Q(is_current=False)
                | Q(
                    total_pence__gte=0,
                    published_pence__gte=0,
                    recipient_count__isnull=False,
                ),
                name="a_current_run_has_its_totals",
                violation_error_message="A current run must record its totals.",
            ),
            # The recompute lock: a second worker's claim on the same fund fails here,
            # whichever process or machine it runs on.
            models.UniqueConstraint(
                fields=["fund"],
                condition=Q(status="running"),
                name="one_running_run_per_fund",
                violation_error_message="Another run of this fund is running; try again later.",
            ),
            models.CheckConstraint(
                condition=json_type_is("notes", "array"),
                name="run_notes_a_list",
                violation_error_message="A run's notes must be a list of sentences.",
            ),
        ]
        indexes = [
            # The recompute service looks for a succeeded run with the same fingerprint.
            models.Index(fields=["fund", "inputs_fingerprint"], name="run_fingerprint"),
        ]

    def __str__(self) -> str:
        current = ", current" if self.is_current else ""
        return f"{self.fund} run {self.pk} ({self.status}{current})"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class Allocation(models.Model):
    """Who gets what from one run. Rows are never edited: a new run writes new rows."""

    class Basis(models.TextChoices):
        PUBLISHED = "published", "Published (as announced)"
        MODELLED = "modelled", "Modelled (computed by the rule)"

    # run, fund and recipient lead the composite indexes and constraint below, which serve
    # their lookups; an index of their own would only slow the writes of large runs.
    run = models.ForeignKey(
        AllocationRun, on_delete=models.CASCADE, related_name="allocations", db_index=False
    )
    fund = models.ForeignKey(
        Fund, on_delete=models.CASCADE, related_name="allocations", db_index=False
    )
    # A run's rows are the record of what it allocated: a tranche they name cannot be deleted
    # on its own (deleting the whole fund deletes its runs and their rows with it).
    tranche = models.ForeignKey(Tranche, null=True, blank=True, on_delete=models.RESTRICT)
    recipient = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="allocations", db_index=False
    )
    intermediary = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    basis = models.CharField(max_length=10, choices=Basis.choices)
    amount_pence = models.BigIntegerField()
    rank = models.PositiveIntegerField(null=True, blank=True)
    rationale = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    # When this recipient, tranche and basis last got a different amount, rank, rationale or
    # intermediary: carried from run to run while those stay the same, so that a client
    # syncing by `updated_since` fetches only the rows that changed.
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "-amount_pence", "recipient_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "recipient", "tranche", "basis"],
                name="allocation_once_per_run",
                violation_error_message="A run gives a recipient one amount per tranche and basis.",
            ),
            models.UniqueConstraint(
                fields=["run", "recipient", "basis"],
                condition=Q(tranche__isnull=True),
                name="allocation_once_per_run_untranched",
                violation_error_message="A run gives a recipient one untranched amount per basis.",
            ),
            models.CheckConstraint(
                condition=Q(amount_pence__gte=0),
                name="allocation_not_negative",
                violation_error_message="An allocation cannot be negative.",
            ),
            models.CheckConstraint(
                condition=json_type_is("details", "object"),
                name="allocation_details_an_object",
                violation_error_message=(
                    "An allocation's details must be named values (a JSON object)."
                ),
            ),
        ]
        indexes = [
            # /api/v1/allocations/?fund=... and the fund page read a fund's current rows.
            models.Index(fields=["fund", "run", "basis"], name="allocation_fund_run"),
            # The trust page and the league table list what one recipient received.
            models.Index(fields=["recipient", "run"], name="allocation_recipient"),
            # /api/v1/allocations/?updated_since= pages rows by when they changed.
            models.Index(fields=["changed_at", "id"], name="allocation_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient.ods_code} £{self.amount_pence / 100:,.2f} ({self.basis})"


class AllocationRemoval(models.Model):
    """A tombstone: a current row whose recipient, tranche and basis the fund's next run no
    longer has, or a row of a fund withdrawn, so that a client syncing allocations knows to
    delete it."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="+")
    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(
        AllocationRun,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="removals",
        help_text="the run that no longer has the row; null when the fund was withdrawn",
    )
    removed_at = models.DateTimeField()

    class Meta:
        indexes = [
            # /api/v1/removed-allocations/?updated_since= pages tombstones by time.
            models.Index(fields=["removed_at", "id"], name="allocation_removal_time"),
        ]

    def __str__(self) -> str:
        return f"allocation {self.allocation_id} removed {self.removed_at:%Y-%m-%d %H:%M}"


class SpendingReport(models.Model):
    """What a recipient (or a region as a whole) said it spent, against what it was given."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="spending_reports")
    recipient = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=20, help_text="e.g. 2010-11")
    allocation_pence = models.BigIntegerField(null=True, blank=True)
    uncommitted_pence = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=300)
    source_url = models.URLField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["fund", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "recipient", "period"],
                name="spending_report_once",
                violation_error_message="This recipient already reported for this period.",
            ),
            models.CheckConstraint(
                condition=Q(allocation_pence__isnull=True) | Q(allocation_pence__gte=0),
                name="spending_allocation_not_negative",
                violation_error_message="The allocation reported cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(uncommitted_pence__isnull=True) | Q(uncommitted_pence__gte=0),
                name="spending_uncommitted_not_negative",
                violation_error_message="The amount uncommitted cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund}: {self.recipient.ods_code} spending {self.period}"


class SpendingLine(models.Model):
    report = models.ForeignKey(SpendingReport, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(max_length=120)
    amount_pence = models.BigIntegerField()
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "-amount_pence"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "category"],
                name="spending_line_once",
                violation_error_message="This report already has a line for this category.",
            ),
            models.CheckConstraint(
                condition=Q(amount_pence__gte=0),
                name="spending_line_not_negative",
                violation_error_message="A spending line cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}: £{self.amount_pence / 100:,.2f}"
