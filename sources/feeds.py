"""Atom feeds (Django's syndication framework) of what changes: funds and their status steps,
a fund's allocation runs, new and revised A&E months, and special-cause signals."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from funding.models import Fund
from trusts.models import Organisation

from . import selectors
from .models import SpcSignal

ENTRIES = 50


@dataclass(frozen=True)
class Entry:
    title: str
    link: str
    when: dt.datetime
    description: str
    guid: str


def _day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


class EntryFeed(Feed):
    """A feed whose items are Entries, newest first."""

    feed_type = Atom1Feed

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_link(self, item: Entry) -> str:
        return item.link

    def item_description(self, item: Entry) -> str:
        return item.description

    def item_pubdate(self, item: Entry) -> dt.datetime:
        return item.when

    def item_updateddate(self, item: Entry) -> dt.datetime:
        return item.when

    def item_guid(self, item: Entry) -> str:
        return item.guid

    item_guid_is_permalink = False


def _newest(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda entry: (entry.when, entry.guid), reverse=True)[:ENTRIES]


class FundsFeed(EntryFeed):
    title = "Urgent-care funds: new funds and status steps"
    description = "Each fund announced, and each step of its status (allocating, allocated, paid)."

    def link(self):
        return reverse("sources:whats-new") + "#funds"

    def items(self) -> list[Entry]:
        funds = [
            Entry(
                title=f"New fund: {fund.name}",
                link=reverse("dashboards:fund", args=[fund.slug]),
                when=_day(fund.announced_on),
                description=fund.purpose,
                guid=f"fund:{fund.pk}",
            )
            for fund in Fund.objects.order_by("-announced_on", "-id")[:ENTRIES]
        ]
        steps = [
            Entry(
                title=f"{step.fund.name}: {step.get_status_display().lower()}",
                link=reverse("dashboards:fund", args=[step.fund.slug]),
                when=_day(step.on),
                description=step.note or step.get_status_display(),
                guid=f"fund-status:{step.pk}",
            )
            for step in selectors.status_steps_recent(limit=ENTRIES)
        ]
        return _newest(funds + steps)


class FundRunsFeed(EntryFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Fund, slug=slug)

    def title(self, fund: Fund) -> str:
        return f"{fund.name}: allocation runs"

    def description(self, fund: Fund) -> str:
        return f"Each time the allocations of {fund.name} were computed afresh."

    def link(self, fund: Fund) -> str:
        return reverse("dashboards:fund", args=[fund.slug])

    def items(self, fund: Fund) -> list[Entry]:
        return [
            Entry(
                title=(
                    f"{fund.name}: allocation run {run.pk}, {run.recipient_count or 0:,} "
                    f"recipients, £{(run.total_pence or 0) / 100:,.2f}"
                ),
                link=reverse("api:run-detail", args=[run.pk]),
                when=run.finished_at or run.requested_at,
                description=f"Triggered by {run.triggered_by}.",
                guid=f"run:{run.pk}",
            )
            for run in selectors.runs_recent(fund=fund, limit=ENTRIES)
        ]


class AEMonthsFeed(EntryFeed):
    title = "A&E figures: new months and revisions"
    description = "Each month of NHS England's A&E figures fetched, and each month revised."

    def link(self):
        return reverse("sources:data-sources")

    def items(self) -> list[Entry]:
        added = [
            Entry(
                title=f"A&E figures for {fetch.month:%B %Y}",
                link=reverse("sources:data-sources") + f"#fetch-{fetch.pk}",
                when=fetch.finished_at or fetch.started_at,
                description=fetch.message,
                guid=f"ae-month:{fetch.pk}",
            )
            for fetch in selectors.months_added(limit=ENTRIES)
        ]
        revised = [
            Entry(
                title=f"A&E figures for {revision.month:%B %Y} revised",
                link=reverse("sources:data-sources") + f"#revision-{revision.pk}",
                when=revision.revised_at,
                description=revision.fetch.message,
                guid=f"ae-revision:{revision.pk}",
            )
            for revision in selectors.revisions_recent(limit=ENTRIES)
        ]
        return _newest(added + revised)


def _signal_entries(signals) -> list[Entry]:
    return [
        Entry(
            title=signal.title,
            link=(
                reverse("dashboards:trust", args=[signal.subject])
                if signal.scope == SpcSignal.Scope.TRUST
                else reverse("sources:whats-new") + f"#signal-{signal.pk}"
            ),
            when=signal.detected_at,
            description=(
                f"{signal.percent}% within four hours; mean {signal.mean}%, process limits "
                f"{signal.lower_limit}% to {signal.upper_limit}%."
            ),
            guid=f"signal:{signal.scope}:{signal.subject}:{signal.month:%Y-%m}",
        )
        for signal in signals
    ]


class TrustSignalsFeed(EntryFeed):
    def get_object(self, request, code):
        return get_object_or_404(Organisation, ods_code=code.upper())

    def title(self, organisation: Organisation) -> str:
        return f"{organisation.name}: special-cause signals in four-hour performance"

    def description(self, organisation: Organisation) -> str:
        return "Months that a Making Data Count rule marks as special cause."

    def link(self, organisation: Organisation) -> str:
        return reverse("dashboards:trust", args=[organisation.ods_code])

    def items(self, organisation: Organisation) -> list[Entry]:
        return _signal_entries(
            SpcSignal.objects.filter(scope=SpcSignal.Scope.TRUST, subject=organisation.ods_code)[
                :ENTRIES
            ]
        )


class RegionSignalsFeed(EntryFeed):
    def get_object(self, request, region):
        if not Organisation.objects.filter(region=region).exists():
            raise Http404(f"no organisation is in a region called {region!r}")
        return region

    def title(self, region: str) -> str:
        return f"{region} region: special-cause signals in four-hour performance"

    def description(self, region: str) -> str:
        return "Months that a Making Data Count rule marks as special cause, region-wide."

    def link(self, region: str) -> str:
        return reverse("sources:whats-new") + "#signals"

    def items(self, region: str) -> list[Entry]:
        return _signal_entries(
            SpcSignal.objects.filter(scope=SpcSignal.Scope.REGION, subject=region)[:ENTRIES]
        )
