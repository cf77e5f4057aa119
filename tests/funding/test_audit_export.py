"""The audit export: who changed what and when, as CSV for an auditor."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from simple_history.models import HistoricalRecords

from funding import services
from funding.models import Fund
from funding.seed import demo_funds_seed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]


def export(*arguments) -> list[dict]:
    out = io.StringIO()
    call_command("audit_export", *arguments, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_it_lists_who_changed_funds_rules_uploads_and_users(client, fund_admin, superuser):
    demo_funds_seed()
    winter = Fund.objects.get(slug="ae-winter-2013-14")
    winter.published_allocations.all().delete()  # the upload below lists the fund's whole
    client.force_login(fund_admin)
    upload = SimpleUploadedFile("shares.csv", b"ods_code,amount,source\nR1H,100.00,Standard\n")
    client.post(reverse("admin:funding_fund_upload", args=[winter.pk]), {"file": upload})
    client.post(
        reverse("admin:funding_fund_changelist"),
        {"action": "recompute", "_selected_action": [winter.pk]},
    )
    # As the admin's rule form saves it, signed in as bob.
    HistoricalRecords.context.request = RequestFactory().post("/admin/")
    HistoricalRecords.context.request.user = fund_admin
    try:
        services.rule_save(
            fund=winter,
            kind="worst_n",
            parameters={**winter.rule.parameters, "n": 50},
            reason="fewer",
            user=fund_admin,
        )
    finally:
        del HistoricalRecords.context.request
    client.force_login(superuser)
    client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "erin",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
            "usable_password": "true",
        },
    )

    rows = export()
    assert set(rows[0]) == {
        "when",
        "who",
        "action",
        "what",
        "object_id",
        "object",
        "changes",
        "why",
    }
    by_what = {}
    for row in rows:
        by_what.setdefault(row["what"], []).append(row)
    upload_row = next(
        r for r in by_what["published allocation"] if r["why"] == "Uploaded from shares.csv"
    )
    assert (upload_row["who"], upload_row["action"]) == ("bob", "created")
    rule_row = next(r for r in by_what["allocation rule"] if r["why"] == "fewer")
    assert rule_row["who"] == "bob" and "n: 53 → 50" in rule_row["changes"]
    runs = {r["changes"]: r["who"] for r in by_what["allocation run"]}
    assert (runs["admin action"], runs["upload shares.csv"]) == ("bob", "bob")
    user_row = next(r for r in by_what["user"] if r["object"] == "erin")
    assert (user_row["who"], user_row["action"]) == ("dora", "added")
    assert rows == sorted(rows, key=lambda r: r["when"])


def test_it_keeps_to_a_period_when_asked(fund_admin):
    assert export("--since", "2999-01-01") == []
