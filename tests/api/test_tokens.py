"""API tokens, made, used, listed and revoked over real HTTP exactly as the README's curl
example does, under the development server and gunicorn."""

import base64
import importlib
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken

from funding.models import AllocationRun
from tests.live import http

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def basic(user: str, password: str) -> dict:
    """What `curl -u user:password` sends."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def token_made(site: str, user="bob", password="bob-pass", body=b"days=30") -> dict:
    status, _, answer = http(
        "POST",
        f"{site}/api/v1/tokens/",
        headers={**basic(user, password), "Content-Type": "application/x-www-form-urlencoded"},
        data=body,
    )
    assert status == 201, answer
    return json.loads(answer)


def test_a_token_made_as_documented_recomputes_and_is_refused_once_revoked(
    live_site, small_fund, fund_admin
):
    made = token_made(live_site)
    token = made["token"]
    assert token.startswith("ucf_") and made["key"] == token[:15]
    expiry = timezone.datetime.fromisoformat(made["expiry"])
    assert timedelta(days=29) < expiry - timezone.now() <= timedelta(days=30)

    recompute = f"{live_site}/api/v1/funds/{small_fund.slug}/recompute/"
    status, _, _ = http("POST", recompute, headers=bearer(token))
    assert status == 202
    status, _, _ = http("POST", recompute, headers={"Authorization": f"Token {token}"})
    assert status == 202

    status, _, listed = http("GET", f"{live_site}/api/v1/tokens/", headers=bearer(token))
    assert status == 200
    assert [t["key"] for t in json.loads(listed)] == [made["key"]]
    assert "token" not in json.loads(listed)[0]  # the secret is shown once, at creation

    status, _, _ = http(
        "DELETE", f"{live_site}/api/v1/tokens/{made['key']}/", headers=bearer(token)
    )
    assert status == 204
    status, _, body = http("POST", recompute, headers=bearer(token))
    assert status == 403 and json.loads(body)["detail"] == "Invalid token."
    assert AllocationRun.objects.filter(fund=small_fund).count() == 2


def test_only_a_hash_of_the_token_is_stored(live_site, fund_admin):
    token = token_made(live_site)["token"]
    stored = AuthToken.objects.get(user=fund_admin)
    assert stored.digest != token and token not in stored.digest
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        assert not any(token in str(cell) for row in cursor.fetchall() for cell in row)


def test_an_expired_token_is_refused(live_site, small_fund, fund_admin):
    token = token_made(live_site)["token"]
    AuthToken.objects.filter(user=fund_admin).update(expiry=timezone.now() - timedelta(seconds=1))
    status, _, _ = http(
        "POST", f"{live_site}/api/v1/funds/{small_fund.slug}/recompute/", headers=bearer(token)
    )
    assert status == 403


def test_an_owner_cannot_see_or_revoke_another_users_token(
    live_site, fund_admin, django_user_model
):
    from funding.services import fund_admin_group_ensure

    other = django_user_model.objects.create_user("fay", password="fay-pass", is_staff=True)
    fund_admin_group_ensure().user_set.add(other)
    admins = token_made(live_site)
    others = token_made(live_site, "fay", "fay-pass")["token"]
    status, _, listed = http("GET", f"{live_site}/api/v1/tokens/", headers=bearer(others))
    assert status == 200 and admins["key"] not in listed.decode()
    status, _, _ = http(
        "DELETE", f"{live_site}/api/v1/tokens/{admins['key']}/", headers=bearer(others)
    )
    assert status == 404
    assert AuthToken.objects.filter(user=fund_admin).count() == 1


def test_a_token_is_only_made_for_the_right_password(live_site, fund_admin):
    status, _, _ = http("POST", f"{live_site}/api/v1/tokens/", headers=basic("bob", "wrong"))
    assert status == 403
    assert not AuthToken.objects.exists()


def test_a_token_cannot_make_a_token(live_site, fund_admin):
    """A 30-day token made a 365-day one that still worked once the first was revoked: a
    leaked token could outlive its revocation. Tokens are made with the password."""
    token = token_made(live_site)["token"]
    status, _, body = http(
        "POST",
        f"{live_site}/api/v1/tokens/",
        headers={**bearer(token), "Content-Type": "application/x-www-form-urlencoded"},
        data=b"days=365",
    )
    assert status == 403
    assert "made with your password" in json.loads(body)["detail"]
    assert AuthToken.objects.count() == 1


def test_a_token_cannot_last_beyond_a_year(live_site, fund_admin):
    status, _, body = http(
        "POST",
        f"{live_site}/api/v1/tokens/",
        headers={**basic("bob", "bob-pass"), "Content-Type": "application/json"},
        data=b'{"days": 366}',
    )
    assert status == 400 and "days" in json.loads(body)


def test_a_token_made_in_the_old_admin_still_works_once_hashed(client, small_fund, fund_admin):
    from django.apps import apps
    from rest_framework.authtoken.models import Token

    migration = importlib.import_module("api.migrations.0001_drf_tokens_to_hashed_tokens")
    old = Token.objects.create(user=fund_admin)
    migration.drf_tokens_hashed(apps, None)
    assert not Token.objects.exists()  # no plain-text copy left
    response = client.post(
        f"/api/v1/funds/{small_fund.slug}/recompute/", HTTP_AUTHORIZATION=f"Token {old.key}"
    )
    assert response.status_code == 202
