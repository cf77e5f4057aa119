"""Email alerts: subscribing, sending what is new to each subscriber once, unsubscribing.

An event is sent to a subscription at most once (AlertSent's constraint, written in the same
transaction as the email is sent); only events after the subscription began are sent, so a new
subscriber is not sent the past.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from funding.models import AllocationRun, Fund, FundStatusChange
from trusts.models import Organisation

from .models import AlertSent, SpcSignal, Subscription

UNSUBSCRIBE_SALT = "sources.unsubscribe"


@dataclass(frozen=True)
class Event:
    key: str
    title: str
    path: str


def subscription_create(*, user, kind: str, target: str) -> Subscription:
    """Subscribes a user to a provider (by ODS code), a region (by name) or a fund (by slug)."""
    target = target.strip()
    if kind == Subscription.Kind.TRUST:
        organisation = Organisation.objects.filter(ods_code=target.upper()).first()
        if organisation is None:
            raise ValidationError(f"{target!r} is not the ODS code of an organisation we hold")
        subject = {"organisation": organisation}
    elif kind == Subscription.Kind.REGION:
        # As the region is written, whatever case it was typed in.
        region = (
            Organisation.objects.filter(region__iexact=target)
            .values_list("region", flat=True)
            .first()
            if target
            else None
        )
        if region is None:
            raise ValidationError(f"{target!r} is not a region any organisation is in")
        subject = {"region": region}
    elif kind == Subscription.Kind.FUND:
        fund = Fund.objects.filter(slug=target).first()
        if fund is None:
            raise ValidationError(f"{target!r} is not a fund we hold")
        subject = {"fund": fund}
    else:
        raise ValidationError(f"{kind!r} is not trust, region or fund")
    subscription, _ = Subscription.objects.get_or_create(user=user, kind=kind, **subject)
    return subscription


def unsubscribe_token(subscription: Subscription) -> str:
    return signing.dumps(subscription.pk, salt=UNSUBSCRIBE_SALT)


def subscription_for_token(token: str) -> Subscription | None:
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return Subscription.objects.select_related("organisation", "fund").filter(pk=pk).first()


def _signal_events(signals) -> list[Event]:
    return [
        Event(
            key=f"signal:{signal.scope}:{signal.subject}:{signal.month:%Y-%m}",
            title=signal.title,
            path=(
                reverse("sources:feed-trust-signals", args=[signal.subject])
                if signal.scope == SpcSignal.Scope.TRUST
                else reverse("sources:feed-region-signals", args=[signal.subject])
            ),
        )
        for signal in signals
    ]


def events_for(subscription: Subscription) -> list[Event]:
    """What happened to the subscription's subject since it began, oldest first."""
    since = subscription.created_at
    if subscription.kind == Subscription.Kind.TRUST:
        return _signal_events(
            SpcSignal.objects.filter(
                scope=SpcSignal.Scope.TRUST,
                subject=subscription.organisation.ods_code,
                detected_at__gte=since,
            ).order_by("month")
        )
    if subscription.kind == Subscription.Kind.REGION:
        return _signal_events(
            SpcSignal.objects.filter(
                scope=SpcSignal.Scope.REGION, subject=subscription.region, detected_at__gte=since
            ).order_by("month")
        )
    fund = subscription.fund
    fund_page = reverse("dashboards:fund", args=[fund.slug])
    steps = [
        Event(f"fund-status:{step.pk}", f"{fund.name}: {step.get_status_display()}", fund_page)
        for step in FundStatusChange.objects.filter(fund=fund, on__gte=since.date()).order_by("on")
    ]
    runs = [
        Event(
            f"run:{run.pk}",
            f"{fund.name}: allocations computed afresh ({run.recipient_count or 0:,} recipients)",
            reverse("sources:feed-fund-runs", args=[fund.slug]),
        )
        for run in AllocationRun.objects.filter(
            fund=fund, status=AllocationRun.Status.SUCCEEDED, finished_at__gte=since
        ).order_by("finished_at")
    ]
    return steps + runs


def alerts_send() -> int:
    """Emails each subscriber what is new for each subscription; returns how many emails."""
    sent = 0
    for pk in Subscription.objects.exclude(user__email="").values_list("pk", flat=True):
        with transaction.atomic():
            subscription = (
                Subscription.objects.select_for_update(of=("self",))
                .select_related("user", "organisation", "fund")
                .filter(pk=pk)
                .first()
            )
            if subscription is None:
                continue
            done = set(subscription.sent.values_list("event", flat=True))
            events = [event for event in events_for(subscription) if event.key not in done]
            if not events:
                continue
            now = timezone.now()
            AlertSent.objects.bulk_create(
                [AlertSent(subscription=subscription, event=e.key, sent_at=now) for e in events]
            )
            _email(subscription, events).send()
            sent += 1
    return sent


def _email(subscription: Subscription, events: list[Event]) -> EmailMessage:
    unsubscribe = settings.SITE_URL + reverse(
        "sources:unsubscribe", args=[unsubscribe_token(subscription)]
    )
    lines = [f"- {event.title}\n  {settings.SITE_URL}{event.path}" for event in events]
    body = (
        f"New for {subscription.subject_label}, which you follow on the NHS urgent-care "
        "funding tracker:\n\n" + "\n".join(lines) + f"\n\nTo stop these emails: {unsubscribe}\n"
    )
    count = f"{len(events)} new" if len(events) > 1 else "new"
    return EmailMessage(
        subject=f"{subscription.subject_label}: {count} — urgent-care funding tracker",
        body=body,
        to=[subscription.user.email],
        headers={
            # RFC 8058: mail clients offer one-click unsubscribe, by POST to this address.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
