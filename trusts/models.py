"""Who the organisations are, how they changed, how many people they serve, how their A&Es did."""

import datetime as dt
import re
from collections.abc import Iterable

from django.db import models
from django.db.models import Q, TextChoices


class Organisation(models.Model):
    class Kind(models.TextChoices):
        TRUST = "trust", "NHS trust or foundation trust"
        CCG = "ccg", "Clinical commissioning group"
        PCT = "pct", "Primary care trust"
        PCT_CLUSTER = "pct_cluster", "PCT cluster"
        SHA = "sha", "Strategic health authority"
        NHSE_REGION = "nhse_region", "NHS England region"
        AREA_TEAM = "area_team", "NHS England area team"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        HWB = "hwb", "Health and wellbeing board"
        OTHER_PROVIDER = "other_provider", "Other A&E provider"
        NATIONAL = "national", "National body"

    ods_code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=200, help_text="The latest name; earlier ones are in names.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    region = models.CharField(max_length=60, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(opened_on__isnull=True)
                | Q(closed_on__gte=models.F("opened_on")),
                name="organisation_closes_after_it_opens",
            ),
        ]
        indexes = [
            # The organisation lists and the API filter by kind and region.
            models.Index(fields=["kind", "region"], name="organisation_kind_region"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"

    def is_open_on(self, day: dt.date) -> bool:
        return (self.opened_on is None or self.opened_on <= day) and (
            self.closed_on is None or day <= self.closed_on
        )

    def name_on(self, day: dt.date, names: Iterable["OrganisationName"] | None = None) -> str:
        """The name the organisation was known by on a day, for figures "as it was then".

        `names` are its names when the caller has read them already (for many at once)."""
        return name_on(self.name, day, self.names.all() if names is None else names)

    def is_foundation_trust_on(self, day: dt.date) -> bool:
        return any(status.covers(day) for status in self.foundation_trust_statuses.all())


def name_on(latest: str, day: dt.date, names: Iterable["OrganisationName"]) -> str:
    """Organisation.name_on for an organisation known by its latest name and its names, for
    readers that fetch organisations' columns rather than the organisations."""
    # Undated names (the ODS file's latest name, spelling variants) say nothing about
    # when they were used, so only a dated name can override today's.
    dated = [name for name in names if (name.valid_from or name.valid_to) and name.is_valid_on(day)]
    if not dated:
        return latest
    chosen = max(dated, key=lambda name: name.valid_from or dt.date.min)
    return re.sub(r"(\w)['\u2019]S\b", r"\1's", chosen.name)


class OrganisationName(models.Model):
    """A name an organisation used, with the dates it was used.

    Also the alias table: sources that identify trusts by name only (the weekly
    sitreps) are matched to ODS codes through these rows.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    normalised = models.CharField(max_length=200, editable=False)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["organisation", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "normalised", "source"], name="organisation_name_once"
            ),
        ]
        indexes = [
            # Name matching in the weekly sitrep importer.
            models.Index(fields=["normalised"], name="organisation_name_normalised"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.organisation.ods_code}"

    def save(self, *args, **kwargs):
        self.normalised = normalise_name(self.name)
        super().save(*args, **kwargs)

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


# What a name's spelling may vary by: apostrophes (straight or curly) dropped, "&" as "and",
# the punctuation names carry as spaces. normalise_name applies these, then reads every other
# character that is not a letter or digit as a space; a search (trusts.selectors.named)
# applies them in SQL, which has no portable regular expressions.
NAME_SPELLING = (("'", ""), ("\u2019", ""), ("&", " and "), (".", " "), (",", " "), ("-", " "))


def normalise_name(name: str) -> str:
    """A spelling-insensitive key: case, apostrophes, '&' and punctuation do not matter."""
    folded = name.casefold()
    for written, read in NAME_SPELLING:
        folded = folded.replace(written, read)
    kept = "".join(ch if ch.isalnum() else " " for ch in folded)
    return " ".join(kept.split())


class FoundationTrustStatus(models.Model):
    """A period during which a trust was a foundation trust (authorised by Monitor)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="foundation_trust_statuses"
    )
    authorised_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["organisation", "authorised_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "authorised_on"], name="foundation_trust_status_once"
            ),
        ]

    def __str__(self) -> str:
        until = f" to {self.ended_on}" if self.ended_on else ""
        return f"{self.organisation.ods_code} FT from {self.authorised_on}{until}"

    def covers(self, day: dt.date) -> bool:
        return self.authorised_on <= day and (self.ended_on is None or day <= self.ended_on)


class Succession(models.Model):
    """One organisation's work passing to another on a date (merger, acquisition, split)."""

    class Kind(models.TextChoices):
        MERGER = "merger", "Merged into"
        ACQUISITION = "acquisition", "Acquired by"
        SPLIT = "split", "Split between"
        REPLACEMENT = "replacement", "Replaced by (reorganisation)"

    predecessor = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="successions"
    )
    successor = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="predecessions"
    )
    effective_on = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    share_percent = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Share of the predecessor that passed to this successor, where known.",
    )
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["effective_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor", "effective_on"], name="succession_once"
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="succession_not_self"
            ),
            models.CheckConstraint(
                condition=Q(share_percent__isnull=True)
                | Q(share_percent__gte=0, share_percent__lte=100),
                name="succession_share_is_a_percentage",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.predecessor.ods_code} {self.get_kind_display().lower()} "
            f"{self.successor.ods_code} on {self.effective_on}"
        )


class Population(models.Model):
    class Basis(models.TextChoices):
        REGISTERED = "registered", "GP-registered patients"
        RESIDENT = "resident", "ONS resident population estimate"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="populations"
    )
    as_of = models.DateField(help_text="The date the count refers to (mid-year, or extract date).")
    basis = models.CharField(max_length=20, choices=Basis.choices)
    people = models.PositiveIntegerField()
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["organisation", "basis", "as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "basis", "as_of"], name="population_once_per_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.people:,} {self.basis} on {self.as_of}"


class BaselineBudget(models.Model):
    """An organisation's recurrent allocation for a financial year (top-slice rules read it)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="budgets")
    financial_year = models.CharField(max_length=7, help_text="e.g. 2013-14")
    amount_pence = models.BigIntegerField()
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["organisation", "financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "financial_year"], name="budget_once_per_year"
            ),
            models.CheckConstraint(condition=Q(amount_pence__gte=0), name="budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.financial_year} £{self.amount_pence / 100:,.0f}"


class DepartmentType(TextChoices):
    TYPE_1 = "1", "Type 1 (major A&E)"
    TYPE_2 = "2", "Type 2 (single specialty)"
    OTHER = "other", "Other (types 3 and 4: UTCs, MIUs, walk-in centres)"
    # Some sources publish only a provider's total. A total is stored only where no figure
    # by type exists for that provider and period, so summing every type never counts twice.
    TOTAL = "total", "All types (published only as a total)"


class Basis(TextChoices):
    """Where a figure came from, best first: when two sources give the same provider's month,
    the earlier one here is kept (see basis_outranks)."""

    OFFICIAL_MONTHLY = "official_monthly", "NHS England monthly file"
    NHSR = "nhsr", "NHS-R ae_attendances (from NHS England's monthly files)"
    REPUBLISHED_MONTHLY = (
        "republished_monthly",
        "NHS England monthly files as re-published by a third party",
    )
    APPORTIONED_WEEKLY = "apportioned_weekly", "Months apportioned from weekly sitreps (unofficial)"
    WEEKLY_SITREP = "weekly_sitrep", "NHS England weekly sitrep"


MONTHLY_PRECEDENCE = (
    Basis.OFFICIAL_MONTHLY,
    Basis.NHSR,
    Basis.REPUBLISHED_MONTHLY,
    Basis.APPORTIONED_WEEKLY,
)
# Sources that publish every provider of a month: a provider another source adds to such a
# month was most likely reported there under another code, so it is not added.
COMPLETE_MONTH_BASES = (Basis.OFFICIAL_MONTHLY, Basis.NHSR)


def basis_outranks(new: tuple[str, bool], stored: tuple[str, bool]) -> bool:
    """Whether a provider-month's figures from a new source replace the stored ones.

    Each side is (basis, by_type). Figures by department type beat a bare total whatever
    their source, since a total cannot give the type 1 figure; between two of the same kind
    the official monthly file beats NHS-R, which beats third-party copies of the monthly
    files, which beat months apportioned from weekly sitreps.
    """
    new_basis, new_by_type = new
    stored_basis, stored_by_type = stored
    if new_by_type != stored_by_type:
        return new_by_type
    return MONTHLY_PRECEDENCE.index(new_basis) < MONTHLY_PRECEDENCE.index(stored_basis)


class Grain(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class AEActivity(models.Model):
    """Counts for one provider, department type and week or month, never only a percentage."""

    # Lookups by organisation use ae_organisation and the unique constraint, which lead with
    # it; an index of its own would only slow imports of millions of rows.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="ae_activity", db_index=False
    )
    grain = models.CharField(max_length=5, choices=Grain.choices)
    period_start = models.DateField()
    period_end = models.DateField(help_text="Windows take a figure by the end of its period.")
    department_type = models.CharField(max_length=5, choices=DepartmentType.choices)
    attendances = models.PositiveIntegerField()
    over_4h = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Blank where the provider reported no breach count (e.g. the 2019 field "
        "test trusts): missing, not zero, and left out of four-hour performance.",
    )
    basis = models.CharField(
        max_length=24,
        choices=Basis.choices,
        default=Basis.OFFICIAL_MONTHLY,
        db_default=Basis.OFFICIAL_MONTHLY,
    )
    over_4h_derived = models.BooleanField(
        default=False,
        help_text="Worked out from a rounded percentage (weekly sitreps), not a published count.",
    )
    booked_attendances = models.PositiveIntegerField(null=True, blank=True)
    booked_over_4h = models.PositiveIntegerField(null=True, blank=True)
    emergency_admissions = models.PositiveIntegerField(null=True, blank=True)
    source_file = models.CharField(max_length=200)
    source_line = models.PositiveIntegerField()

    class Meta:
        verbose_name_plural = "A&E activity"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "grain", "period_start", "department_type"],
                name="ae_activity_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(over_4h__lte=models.F("attendances")),
                name="ae_over_4h_within_attendances",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="ae_period_ends_after_start",
            ),
        ]
        indexes = [
            # The days of a window around its whole months (the summaries hold those) over a
            # window of period ends, carrying what they sum: read from the index alone on
            # PostgreSQL, not a table page a figure.
            models.Index(
                fields=["grain", "period_end", "department_type", "organisation"],
                include=["attendances", "over_4h", "basis"],
                name="ae_window",
            ),
            # One organisation's series (its page, its SPC chart) without scanning everyone's.
            models.Index(fields=["organisation", "grain", "period_end"], name="ae_organisation"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.organisation.ods_code} type {self.department_type} {self.grain} "
            f"to {self.period_end}: {self.over_4h}/{self.attendances} over 4h"
        )


class AENationalMonth(models.Model):
    """England's own monthly all-types total as a source publishes it (its "England" row).
    Before April 2016 the providers' monthly totals we hold cover about 80% of England's
    attendances, so there England's all-types series is this row, not their sum; months
    with figures by type cover every provider and are summed (trusts.selectors)."""

    month = models.DateField(unique=True, help_text="The month's first day.")
    attendances = models.BigIntegerField()
    over_4h = models.BigIntegerField()
    basis = models.CharField(max_length=24, choices=Basis.choices)
    source_file = models.CharField(max_length=200)
    source_line = models.PositiveIntegerField()

    class Meta:
        verbose_name = "England's published A&E month"
        constraints = [
            models.CheckConstraint(
                condition=Q(over_4h__gte=0, attendances__gte=models.F("over_4h")),
                name="ae_national_month_breaches_within_attendances",
            ),
        ]

    def __str__(self) -> str:
        return f"England {self.month:%Y-%m}: {self.over_4h}/{self.attendances} over 4h"


class AEShare(models.Model):
    """A published four-hour share with no counts behind it (NHS England's "percentage in 4
    hours or less (type 1)"): shown where no counts exist, never summed as if it were counts."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="ae_shares"
    )
    grain = models.CharField(max_length=5, choices=Grain.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    department_type = models.CharField(max_length=5, choices=DepartmentType.choices)
    within_4h = models.DecimalField(
        max_digits=12, decimal_places=10, help_text="A fraction: 0.92 is 92% within 4 hours."
    )
    source_file = models.CharField(max_length=200)
    source_line = models.PositiveIntegerField()

    class Meta:
        verbose_name = "A&E share within 4 hours"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "grain", "period_start", "department_type"],
                name="ae_share_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(within_4h__gte=0, within_4h__lte=1), name="ae_share_is_a_fraction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} type {self.department_type} {self.period_start:%Y-%m}"


class AdmissionWaits(models.Model):
    """Provider-level counts that no department type owns: trolley waits, other admissions."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="admission_waits"
    )
    grain = models.CharField(max_length=5, choices=Grain.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    dta_4_to_12h = models.PositiveIntegerField(null=True, blank=True)
    dta_over_12h = models.PositiveIntegerField(null=True, blank=True)
    other_emergency_admissions = models.PositiveIntegerField(null=True, blank=True)
    source_file = models.CharField(max_length=200)
    source_line = models.PositiveIntegerField()

    class Meta:
        verbose_name_plural = "admission waits"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "grain", "period_start"], name="admission_waits_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.grain} to {self.period_end} waits"


class SourceFile(models.Model):
    """A data file that was imported, by content and the importer code that read it (sha256 of
    both): the demo loader skips files already loaded, unless the importers changed since."""

    name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, unique=True)
    format = models.CharField(max_length=200)
    rows = models.PositiveIntegerField()
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.format}, {self.rows:,} rows)"


class AESummary(models.Model):
    """A&E figures with a breach count, summed per organisation, grain, department type and
    block of time, kept in step with AEActivity by trusts.summaries in the import's own
    transaction. Pages and the API read these so that a first request does not sum millions
    of weekly rows; AEActivity stays the record (one organisation's series reads it)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    grain = models.CharField(max_length=5, choices=Grain.choices)
    department_type = models.CharField(max_length=5, choices=DepartmentType.choices)
    attendances = models.BigIntegerField()
    over_4h = models.BigIntegerField()
    figures = models.PositiveIntegerField(help_text="AEActivity rows summed.")
    periods = models.PositiveIntegerField(help_text="Distinct period ends among them.")
    figures_official_monthly = models.PositiveIntegerField()
    figures_nhsr = models.PositiveIntegerField()
    figures_republished_monthly = models.PositiveIntegerField()
    figures_apportioned_weekly = models.PositiveIntegerField()
    figures_weekly_sitrep = models.PositiveIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return (
            f"{self.organisation_id} type {self.department_type} {self.grain}s of "
            f"{self.block}: {self.over_4h}/{self.attendances} over 4h"
        )


# Every column the readers sum, carried in the window index: a window's rows are then read
# from the index's adjacent pages, not one table page each (at 10x England a quarter's 13,500
# monthly rows took 30 ms from the table, 4.5 ms from the index alone).
SUMMED_COLUMNS = [
    "organisation",
    "attendances",
    "over_4h",
    "figures",
    "periods",
    "figures_official_monthly",
    "figures_nhsr",
    "figures_republished_monthly",
    "figures_apportioned_weekly",
    "figures_weekly_sitrep",
]


def _summary_keys(block: str, what: str) -> tuple[list, list]:
    """A summary's key (one row per organisation, grain, block and type), and the index the
    league, performance and funnel read it by: every organisation's rows for some blocks,
    covering what they sum (PostgreSQL; SQLite keeps the key columns only)."""
    name = f"ae_{what}"
    return (
        [
            models.UniqueConstraint(
                fields=["organisation", "grain", block, "department_type"],
                name=f"{name}_summary_once",
                violation_error_message=f"An organisation's {what} is summed once per type.",
            )
        ],
        [
            models.Index(
                fields=["grain", block, "department_type"],
                include=SUMMED_COLUMNS,
                name=f"{name}_window",
            )
        ],
    )


class AEMonthSummary(AESummary):
    """By the month a figure's period ends in (WEEK_RULE in trusts.selectors)."""

    month = models.DateField(help_text="The month's first day.")
    quarter = models.DateField(help_text="The first day of the month's financial quarter.")
    financial_year = models.PositiveSmallIntegerField(help_text="The year it starts in April.")

    block_field = "month"

    class Meta:
        constraints, indexes = _summary_keys("month", "month")

    @property
    def block(self) -> str:
        return f"{self.month:%Y-%m}"


class AEQuarterSummary(AESummary):
    """By NHS financial quarter (January, April, July and October, as calendar quarters)."""

    quarter = models.DateField(help_text="The quarter's first day.")
    financial_year = models.PositiveSmallIntegerField(help_text="The year it starts in April.")

    block_field = "quarter"

    class Meta:
        constraints, indexes = _summary_keys("quarter", "quarter")

    @property
    def block(self) -> str:
        return f"{self.quarter:%Y-%m} quarter"


class AEYearSummary(AESummary):
    """By NHS financial year (April to March)."""

    financial_year = models.PositiveSmallIntegerField(help_text="The year it starts in April.")

    block_field = "financial_year"

    class Meta:
        constraints, indexes = _summary_keys("financial_year", "year")

    @property
    def block(self) -> str:
        return f"{self.financial_year}-{(self.financial_year + 1) % 100:02d}"


class AEEnglandPeriod(models.Model):
    """England's figures for one period: every provider's summed, per department type and
    basis (the ENG organisation itself holds shares, never counts). England's series, the
    monthly-or-weekly choice of each month and the overview read these few thousand rows."""

    grain = models.CharField(max_length=5, choices=Grain.choices)
    period_end = models.DateField()
    period_start = models.DateField(help_text="The earliest start among the figures summed.")
    department_type = models.CharField(max_length=5, choices=DepartmentType.choices)
    basis = models.CharField(max_length=24, choices=Basis.choices)
    figures_all = models.PositiveIntegerField(help_text="AEActivity rows, breaches or not.")
    figures = models.PositiveIntegerField(help_text="Those with a breach count, summed here.")
    attendances = models.BigIntegerField()
    over_4h = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "period_end", "department_type", "basis"],
                name="ae_england_period_once",
                violation_error_message="England's period is summed once per type and basis.",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"England type {self.department_type} {self.grain} to {self.period_end} "
            f"({self.basis}): {self.over_4h}/{self.attendances} over 4h"
        )
