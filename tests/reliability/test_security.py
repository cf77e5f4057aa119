"""Who may change what (anonymous, analyst, outsider, fund admin, superuser), CSRF, and markup
in names escaped wherever a name is shown."""

import csv
import io

import pytest
from django.test import Client

from funding.models import Allocation, AllocationRun, Fund
from trusts.models import Organisation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]

PERSONAS = ["anonymous", "analyst", "outsider", "staff", "fund_admin", "superuser"]
MAY_CHANGE_FUNDS = {"fund_admin", "superuser"}
# Staff may log in to the admin, so they are refused there (403), not sent to log in.
MAY_LOG_IN_TO_THE_ADMIN = {"staff"} | MAY_CHANGE_FUNDS


@pytest.fixture
def as_persona(request, client):
    def login(persona: str) -> Client:
        if persona != "anonymous":
            user = request.getfixturevalue(persona)
            client.force_login(user)
        return client

    return login


def admin_pages(fund: Fund) -> list[str]:
    return [
        "/admin/funding/fund/",
        "/admin/funding/fund/add/",
        f"/admin/funding/fund/{fund.pk}/change/",
        f"/admin/funding/fund/{fund.pk}/history/",
        f"/admin/funding/fund/{fund.pk}/upload/",
        f"/admin/funding/fund/{fund.pk}/preview/",
        "/admin/funding/allocationrun/",
    ]


def refused(response, persona: str) -> bool:
    if persona in MAY_LOG_IN_TO_THE_ADMIN:
        return response.status_code == 403
    return response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_fund_admins_and_superusers_reach_the_fund_admin(as_persona, winter, persona):
    client = as_persona(persona)
    for url in admin_pages(winter):
        response = client.get(url)
        if persona in MAY_CHANGE_FUNDS:
            assert response.status_code == 200, url
        else:
            assert refused(response, persona), (url, response.status_code)


def published(fund: Fund) -> set[tuple[str, int, int | None]]:
    return set(
        fund.published_allocations.values_list("recipient__ods_code", "amount_pence", "tranche")
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_fund_admins_and_superusers_may_recompute_or_upload(as_persona, winter, persona):
    client = as_persona(persona)
    published_before = published(winter)
    runs_before = set(AllocationRun.objects.values_list("pk", flat=True))
    action = client.post(
        "/admin/funding/fund/",
        {"action": "recompute", "_selected_action": [winter.pk]},
    )
    api = client.post(f"/api/v1/funds/{winter.slug}/recompute/")
    upload = client.post(
        f"/admin/funding/fund/{winter.pk}/upload/",
        # RV8: published for no tranche (Barts Health, R1H, is published by tranche).
        {"file": io.BytesIO(b"ods_code,amount,source\nRV8,1,test\n")},
    )
    requested = set(
        AllocationRun.objects.exclude(pk__in=runs_before).values_list(
            "triggered_by", "requested_by__username"
        )
    )
    if persona in MAY_CHANGE_FUNDS:
        assert (action.status_code, api.status_code, upload.status_code) == (302, 202, 302)
        # The untranched published list is now the upload's one row; tranched ones stay.
        assert published(winter) == {("RV8", 1_00, None)} | {
            row for row in published_before if row[2] is not None
        }
        user = {"fund_admin": "bob", "superuser": "dora"}[persona]
        # Runs are named by role on public pages; who asked is kept for the audit.
        assert requested == {("admin action", user), ("API request", user), ("upload file", user)}
    else:
        assert api.status_code == 403
        assert refused(action, persona) and refused(upload, persona)
        assert published(winter) == published_before
        assert requested == set()


@pytest.mark.parametrize("persona", PERSONAS)
def test_nobody_writes_through_the_read_only_api(as_persona, winter, persona):
    client = as_persona(persona)
    for url, method in [
        ("/api/v1/funds/", "post"),
        (f"/api/v1/funds/{winter.slug}/", "put"),
        (f"/api/v1/funds/{winter.slug}/", "delete"),
        ("/api/v1/allocations/", "post"),
        ("/api/v1/organisations/RV8/", "patch"),
    ]:
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code in (403, 405), (url, method, response.status_code)
    assert Fund.objects.filter(slug=winter.slug).exists()


def test_admin_forms_refuse_a_post_without_its_csrf_token(superuser, winter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    response = client.post("/admin/funding/fund/", {"action": "recompute"})
    assert response.status_code == 403


@pytest.fixture
def marked_up(winter):
    """An organisation whose name is markup and a formula, as a hostile source might send."""
    trust = Organisation.objects.create(
        ods_code="ZX1", name='=HYPERLINK("http://evil")<script>alert(1)</script>', kind="trust"
    )
    run = AllocationRun.objects.create(
        fund=winter,
        status="succeeded",
        is_current=True,
        total_pence=0,
        published_pence=100,
        recipient_count=1,
    )
    AllocationRun.objects.filter(fund=winter).exclude(pk=run.pk).update(is_current=False)
    Allocation.objects.create(
        run=run, fund=winter, recipient=trust, basis="published", amount_pence=100, rationale="x"
    )
    return trust


@pytest.mark.parametrize("url", ["/funds/ae-winter-2013-14/", "/trusts/ZX1/", "/trusts/"])
def test_markup_in_names_is_escaped_on_pages_and_in_charts(client, marked_up, url):
    html = client.get(url).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "\\u003Cscript" in html


def test_csv_cells_that_start_a_formula_are_neutralised(client, marked_up):
    response = client.get("/api/v1/allocations/?recipient=ZX1&format=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["recipient.name"].startswith("'=HYPERLINK")
    page_csv = client.get("/funds/ae-winter-2013-14/?format=csv")
    text = b"".join(page_csv.streaming_content).decode()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
