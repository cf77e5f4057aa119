"""What was fetched from NHS England, what it revised, what it signalled, who wants to know."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from funding.models import Fund
from trusts.models import Organisation


class Fetch(models.Model):
    """One request to a publisher: a landing page or a monthly file, and what came of it."""

    class Kind(models.TextChoices):
        PAGE = "page", "Landing page"
        FILE = "file", "Monthly CSV"

    class Outcome(models.TextChoices):
        FOUND = "found", "Links read"
        IMPORTED = "imported", "New month imported"
        REVISED = "revised", "Month revised"
        UNCHANGED = "unchanged", "Unchanged"
        REFUSED = "refused", "Refused"
        INVALID = "invalid", "Not imported: file has problems"

    kind = models.CharField(max_length=4, choices=Kind.choices)
    url = models.URLField(max_length=500)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    month = models.DateField(null=True, blank=True, help_text="The month a file's figures are for.")
    rows = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # Two checks running at once (a beat run beside a manual one) cannot both import
            # the same file: the second's transaction fails here and writes nothing.
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(outcome__in=["imported", "revised"]),
                name="fetch_imports_a_file_once",
            ),
        ]
        indexes = [
            # The conditional request: the last ETag this URL answered with.
            models.Index(fields=["url", "-started_at"], name="fetch_url_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.url} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"


class Revision(models.Model):
    """A later file for a month already held, which replaced that month's figures."""

    fetch = models.OneToOneField(Fetch, on_delete=models.CASCADE, related_name="revision")
    month = models.DateField()
    source_file = models.CharField(max_length=200)
    replaced_files = models.CharField(max_length=500, help_text="The files the figures came from.")
    revised_at = models.DateTimeField()
    attendances_before = models.PositiveIntegerField()
    over_4h_before = models.PositiveIntegerField()
    attendances_after = models.PositiveIntegerField()
    over_4h_after = models.PositiveIntegerField()
    rows_changed = models.PositiveIntegerField()
    rows_removed = models.PositiveIntegerField()

    class Meta:
        ordering = ["-revised_at", "-id"]

    def __str__(self) -> str:
        return f"{self.month:%B %Y} revised by {self.source_file}"


class SpcSignal(models.Model):
    """A special-cause signal (Making Data Count) at the newest month of a series."""

    class Scope(models.TextChoices):
        TRUST = "trust", "Provider"
        REGION = "region", "Region"

    scope = models.CharField(max_length=6, choices=Scope.choices)
    # An ODS code for a provider, the region's name for a region.
    subject = models.CharField(max_length=60)
    subject_name = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField()
    rule = models.CharField(max_length=20)
    direction = models.CharField(max_length=12)
    percent = models.DecimalField(max_digits=5, decimal_places=1)
    mean = models.DecimalField(max_digits=5, decimal_places=1)
    lower_limit = models.DecimalField(max_digits=6, decimal_places=1)
    upper_limit = models.DecimalField(max_digits=6, decimal_places=1)
    detected_at = models.DateTimeField()

    class Meta:
        verbose_name = "SPC signal"
        ordering = ["-month", "-detected_at", "scope", "subject"]
        constraints = [
            # Detecting twice (a second import, a beat run twice) records nothing new.
            models.UniqueConstraint(
                fields=["scope", "subject", "month"], name="spc_signal_once_per_month"
            ),
        ]
        indexes = [
            # The per-trust and per-region feeds.
            models.Index(fields=["scope", "subject", "-month"], name="spc_signal_feed"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.month:%b %Y}: {self.rule} ({self.direction})"

    @property
    def title(self) -> str:
        rules = {
            "outside_limits": "a point outside the process limits",
            "run": "a run of 7 or more months on one side of the mean",
            "trend": "a run of months all rising or all falling",
        }
        return (
            f"{self.subject_name}: {self.direction} in four-hour performance, {self.month:%B %Y} "
            f"({self.percent}%, {rules.get(self.rule, self.rule)})"
        )


class Subscription(models.Model):
    """A signed-in user's wish to be emailed about a provider, a region or a fund."""

    class Kind(models.TextChoices):
        TRUST = "trust", "Provider"
        REGION = "region", "Region"
        FUND = "fund", "Fund"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    kind = models.CharField(max_length=6, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.CharField(max_length=60, blank=True)
    fund = models.ForeignKey(
        Fund, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="trust", organisation__isnull=False, fund__isnull=True, region="")
                | Q(kind="region", organisation__isnull=True, fund__isnull=True) & ~Q(region="")
                | Q(kind="fund", organisation__isnull=True, fund__isnull=False, region=""),
                name="subscription_names_one_subject",
            ),
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(kind="trust"),
                name="subscription_to_a_provider_once",
            ),
            models.UniqueConstraint(
                fields=["user", "region"],
                condition=Q(kind="region"),
                name="subscription_to_a_region_once",
            ),
            models.UniqueConstraint(
                fields=["user", "fund"],
                condition=Q(kind="fund"),
                name="subscription_to_a_fund_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.subject_label}"

    @property
    def subject_label(self) -> str:
        if self.kind == self.Kind.TRUST:
            return str(self.organisation)
        if self.kind == self.Kind.FUND:
            return self.fund.name
        return f"{self.region} region"


class AlertSent(models.Model):
    """An event a subscriber was emailed about, so no event is ever sent twice."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="sent")
    event = models.CharField(max_length=60, help_text='e.g. "signal:12", "run:40".')
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="alert_sent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.subscription.user}"
