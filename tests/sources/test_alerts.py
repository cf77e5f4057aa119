"""A month that breaks a trust's SPC rule reaches that trust's feed and its subscriber's inbox,
and no one else's; unsubscribing is one click on a signed link."""

import io
import xml.etree.ElementTree as ET

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from sources import alerts
from sources.models import AlertSent, SpcSignal, Subscription

from .months import (
    FEBRUARY,
    FEBRUARY_FILE,
    TRUST,
    february_with_trust_breaching_every_type_1_attendance,
    page_with,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def february_breaks_a_rule(publisher, february_is_new, analyst, outsider, fund_admin):
    analyst.email, outsider.email, fund_admin.email = "alice@example.org", "c@example.org", "b@x"
    for user in (analyst, outsider, fund_admin):
        user.save()
    publisher.serve_file(
        f"/files/{FEBRUARY_FILE}", february_with_trust_breaching_every_type_1_attendance()
    )
    page_with(publisher, FEBRUARY_FILE)
    alerts.subscription_create(user=analyst, kind="trust", target=TRUST)
    return analyst, outsider, fund_admin


def quiet_provider() -> str:
    flagged = set(SpcSignal.objects.filter(month=FEBRUARY).values_list("subject", flat=True))
    return next(code for code in ("RTD", "RR8", "RAL", "RYJ", "RXH") if code not in flagged)


def test_a_month_breaking_a_rule_signals_in_the_trust_feed_and_emails_only_its_subscriber(
    february_breaks_a_rule, client
):
    analyst, outsider, _fund_admin = february_breaks_a_rule
    call_command("fetch_ae", "--year", "2025-26", stdout=io.StringIO())
    signal = SpcSignal.objects.get(scope="trust", subject=TRUST, month=FEBRUARY)
    assert (signal.rule, signal.direction) == ("outside_limits", "concern")
    assert signal.percent < signal.lower_limit
    alerts.subscription_create(user=outsider, kind="trust", target=quiet_provider())
    # The outsider subscribed after the import: back-date it so it would be owed anything due.
    Subscription.objects.update(created_at=signal.detected_at)

    feed = ET.fromstring(client.get(reverse("sources:feed-trust-signals", args=[TRUST])).content)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    # Newest first; the earlier entries are the shipped files' own signals.
    assert titles[0] == signal.title
    assert [title for title in titles if "February 2026" in title] == [signal.title]
    assert "concern in four-hour performance, February 2026" in signal.title

    assert alerts.alerts_send() == 1
    [email] = mail.outbox
    assert email.to == [analyst.email]
    assert signal.title in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Sent once: the next run (a retry, a beat run) sends nothing more.
    assert alerts.alerts_send() == 0
    assert len(mail.outbox) == 1
    assert AlertSent.objects.count() == 1


def test_the_import_enqueues_the_alerts_after_it_commits(
    february_breaks_a_rule, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        "sources.tasks.alerts_send_task.apply_async", lambda **options: sent.append(True)
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("fetch_ae", "--year", "2025-26", stdout=io.StringIO())
    assert sent == [True]


def test_one_click_unsubscribes_and_a_look_does_not(february_breaks_a_rule, client):
    analyst, *_ = february_breaks_a_rule
    subscription = Subscription.objects.get(user=analyst)
    link = reverse("sources:unsubscribe", args=[alerts.unsubscribe_token(subscription)])

    looked = client.get(link)
    assert "Stop the emails about" in looked.content.decode()
    assert Subscription.objects.filter(pk=subscription.pk).exists()

    clicked = client.post(link, {"List-Unsubscribe": "One-Click"})
    assert "You will get no more emails about" in clicked.content.decode()
    assert not Subscription.objects.filter(pk=subscription.pk).exists()


def test_a_tampered_unsubscribe_link_unsubscribes_no_one(february_breaks_a_rule, client):
    analyst, *_ = february_breaks_a_rule
    token = alerts.unsubscribe_token(Subscription.objects.get(user=analyst))
    response = client.post(reverse("sources:unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 404
    assert Subscription.objects.filter(user=analyst).exists()


def test_a_signed_in_user_subscribes_by_posting_the_form(real_data, analyst, client):
    client.force_login(analyst)
    response = client.post(reverse("sources:alerts"), {"kind": "trust", "target": "rj1"})
    assert response.status_code == 302
    page = client.get(reverse("sources:alerts")).content.decode()
    assert "Provider: Guy" in page and "(RJ1)" in page
    bad = client.post(reverse("sources:alerts"), {"kind": "trust", "target": "ZZZ9"})
    assert bad.status_code == 400
    assert "&#x27;ZZZ9&#x27; is not the ODS code of an organisation we hold" in bad.content.decode()


def test_an_anonymous_visitor_is_asked_to_sign_in(client):
    response = client.get(reverse("sources:alerts"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sources:login"))
