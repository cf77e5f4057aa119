"""What the Data sources and What's new pages read."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet, Sum

from funding.models import AllocationRun, Fund, FundStatusChange
from trusts.models import AEActivity, Grain, SourceFile

from .models import Fetch, Revision, SpcSignal


def latest_month() -> dt.date | None:
    """The newest month of A&E figures held: the site's headline freshness."""
    return AEActivity.objects.filter(grain=Grain.MONTH).aggregate(latest=Max("period_start"))[
        "latest"
    ]


def files_loaded() -> QuerySet:
    """Each kind of file the figures were loaded from (its format names the publisher or the
    compiler), with how many files, their rows and when the last was loaded."""
    return (
        SourceFile.objects.values("format")
        .annotate(files=Count("id"), rows=Sum("rows"), loaded=Max("imported_at"))
        .order_by("format")
    )


def fetches_recent(*, limit: int = 50) -> QuerySet[Fetch]:
    return Fetch.objects.all()[:limit]


def revisions_recent(*, limit: int = 50) -> QuerySet[Revision]:
    return Revision.objects.select_related("fetch")[:limit]


def months_added(*, limit: int = 12) -> QuerySet[Fetch]:
    return Fetch.objects.filter(outcome=Fetch.Outcome.IMPORTED)[:limit]


def signals_recent(*, limit: int = 30) -> QuerySet[SpcSignal]:
    return SpcSignal.objects.all()[:limit]


def status_steps_recent(*, limit: int = 20) -> QuerySet[FundStatusChange]:
    return FundStatusChange.objects.select_related("fund").order_by("-on", "-id")[:limit]


def runs_recent(*, fund: Fund | None = None, limit: int = 20) -> QuerySet[AllocationRun]:
    runs = AllocationRun.objects.filter(status=AllocationRun.Status.SUCCEEDED).select_related(
        "fund"
    )
    if fund is not None:
        runs = runs.filter(fund=fund)
    return runs.order_by("-finished_at", "-id")[:limit]


@dataclass
class WhatsNew:
    latest_month: dt.date | None
    months_added: list[Fetch]
    revisions: list[Revision]
    status_steps: list[FundStatusChange]
    signals: list[SpcSignal]


def whats_new() -> WhatsNew:
    return WhatsNew(
        latest_month=latest_month(),
        months_added=list(months_added()),
        revisions=list(revisions_recent(limit=10)),
        status_steps=list(status_steps_recent(limit=10)),
        signals=list(signals_recent()),
    )
