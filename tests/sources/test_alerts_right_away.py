"""Alerts go as soon as what they tell of is committed, whatever path it came by: a month
imported with `manage.py import_ae`, a fund's run finished by a worker, a fund's status step
saved in the admin. Not an hour later, when the beat job sweeps up.

Celery runs each task in the test's process (eager), the way a worker would run it after the
commit; the on-commit callbacks are run as the commit would run them."""

import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from config.celery import app as celery_app
from funding.models import AllocationRun, Fund
from funding.seed import demo_funds_seed
from sources import alerts
from sources.models import SpcSignal
from tests.admin_forms import admin_page_post

from .months import (
    FEBRUARY,
    FEBRUARY_FILE,
    TRUST,
    february_with_trust_breaching_every_type_1_attendance,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
# A provider whose February 2026 breaks no rule, as the test checks.
QUIET_TRUST = "RTD"
FUND = "ae-winter-2013-14"
# Not fed by the winter fund's runs (its dependant is the second wave).
OTHER_FUND = "better-care-fund-2015-16"


@pytest.fixture
def tasks_run_here(monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", True)


@pytest.fixture
def addressed(analyst, outsider):
    analyst.email, outsider.email = "alice@example.org", "charlie@example.org"
    analyst.save()
    outsider.save()
    return analyst, outsider


def test_a_month_imported_by_import_ae_that_breaks_a_rule_is_signalled_and_emailed_at_once(
    february_is_new, addressed, client, tmp_path, tasks_run_here, django_capture_on_commit_callbacks
):
    analyst, outsider = addressed
    alerts.subscription_create(user=analyst, kind="trust", target=TRUST)
    alerts.subscription_create(user=outsider, kind="trust", target=QUIET_TRUST)
    february = tmp_path / FEBRUARY_FILE
    february.write_bytes(february_with_trust_breaching_every_type_1_attendance())

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_ae", str(february), stdout=io.StringIO())

    signal = SpcSignal.objects.get(scope="trust", subject=TRUST, month=FEBRUARY)
    assert (signal.rule, signal.direction) == ("outside_limits", "concern")
    assert not SpcSignal.objects.filter(scope="trust", subject=QUIET_TRUST, month=FEBRUARY)
    feed = ET.fromstring(client.get(reverse("sources:feed-trust-signals", args=[TRUST])).content)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    # Newest first; the earlier entries are the shipped files' own signals.
    assert titles[0] == signal.title
    assert [title for title in titles if "February 2026" in title] == [signal.title]
    [email] = mail.outbox
    assert email.to == [analyst.email]
    assert signal.title in email.body


def test_a_dry_run_of_import_ae_records_no_signal_and_sends_nothing(
    february_is_new, addressed, tmp_path, tasks_run_here, django_capture_on_commit_callbacks
):
    analyst, _ = addressed
    alerts.subscription_create(user=analyst, kind="trust", target=TRUST)
    february = tmp_path / FEBRUARY_FILE
    february.write_bytes(february_with_trust_breaching_every_type_1_attendance())

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_ae", str(february), "--dry-run", stdout=io.StringIO())

    assert not SpcSignal.objects.filter(month=FEBRUARY).exists()
    assert mail.outbox == []


@pytest.fixture
def funds_followed(real_data, addressed, fund_admin):
    analyst, outsider = addressed
    demo_funds_seed()
    alerts.subscription_create(user=analyst, kind="fund", target=FUND)
    alerts.subscription_create(user=outsider, kind="fund", target=OTHER_FUND)
    return analyst, fund_admin


def test_a_run_asked_for_over_the_api_emails_the_funds_subscriber_when_it_succeeds(
    funds_followed, client, tasks_run_here, django_capture_on_commit_callbacks
):
    analyst, fund_admin = funds_followed
    client.force_login(fund_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/funds/{FUND}/recompute/")
    assert response.status_code == 202

    run = AllocationRun.objects.get(pk=response.json()["id"])
    assert run.status == AllocationRun.Status.SUCCEEDED
    [email] = mail.outbox
    assert email.to == [analyst.email]
    assert f"allocations computed afresh ({run.recipient_count:,} recipients)" in email.body


def test_a_status_step_saved_in_the_admin_emails_the_funds_subscriber_then_its_run(
    funds_followed, client, tasks_run_here, django_capture_on_commit_callbacks
):
    analyst, fund_admin = funds_followed
    fund = Fund.objects.get(slug=FUND)
    client.force_login(fund_admin)
    changes = {"status": Fund.Status.PAID, "status_on": dt.date.today().isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_page_post(
            client, reverse("admin:funding_fund_change", args=[fund.pk]), "fund_form", changes
        )
    assert response.status_code == 302, response.context and response.context.get("errors")

    # The step is told of as its save commits; the run it asked for, as the run succeeds.
    step, run = mail.outbox
    assert (step.to, run.to) == ([analyst.email], [analyst.email])
    assert f"{fund.name}: Paid" in step.body
    assert "allocations computed afresh" not in step.body
    assert f"{fund.name}: allocations computed afresh" in run.body
