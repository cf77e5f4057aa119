"""/api/v1/funds/<slug>/recompute/: who may ask for a fund's allocations to be recomputed."""

import pytest
from knox.models import AuthToken

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund():
    return factories.fixed_fund({factories.trust(): 400_00})


@pytest.mark.parametrize(
    ("persona", "expected"),
    [(None, 403), ("analyst", 403), ("outsider", 403), ("fund_admin", 202), ("superuser", 202)],
)
def test_only_fund_admins_can_recompute(client, request, fund, persona, expected):
    if persona:
        user = request.getfixturevalue(persona)
        client.force_login(user)
    response = client.post(f"/api/v1/funds/{fund.slug}/recompute/")
    assert response.status_code == expected
    if expected == 202:
        assert response["Location"].endswith(f"/api/v1/runs/{response.json()['id']}/")
    assert fund.runs.count() == (1 if expected == 202 else 0)


def test_a_token_works_for_a_fund_admin(client, fund_admin, fund):
    token = AuthToken.objects.create(user=fund_admin)[1]
    response = client.post(
        f"/api/v1/funds/{fund.slug}/recompute/", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 202


def test_a_withdrawn_fund_is_not_recomputed_and_says_why(client, fund_admin, fund):
    """It answered "no rule and no published allocations", of a fund with both."""
    fund.status = "withdrawn"
    fund.save()
    client.force_login(fund_admin)
    response = client.post(f"/api/v1/funds/{fund.slug}/recompute/")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("This fund is withdrawn")
    assert fund.runs.count() == 0


@pytest.mark.parametrize("scheme", ["Bearer", "Token"])
def test_a_malformed_token_header_is_told_in_its_own_word(client, fund, scheme):
    response = client.post(
        f"/api/v1/funds/{fund.slug}/recompute/", HTTP_AUTHORIZATION=f"{scheme} two words"
    )
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == f"Give one token after the word {scheme}."


def test_a_username_and_password_are_told_to_make_a_token(client, fund_admin, fund):
    """It answered "Authentication credentials were not provided", of credentials sent."""
    import base64

    basic = base64.b64encode(b"bob:bob-pass").decode()
    response = client.post(
        f"/api/v1/funds/{fund.slug}/recompute/", HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code in (401, 403)
    assert "send that token here as `Authorization: Bearer <token>`" in response.json()["detail"]
    assert fund.runs.count() == 0
    # Where a password is the way in, it still is.
    made = client.post("/api/v1/tokens/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert made.status_code == 201


def test_only_fund_admins_make_tokens(client, analyst, fund_admin):
    """Any signed-in account could, though a token did nothing a reader needs."""
    import base64

    def made(user, password):
        basic = base64.b64encode(f"{user.username}:{password}".encode()).decode()
        return client.post("/api/v1/tokens/", HTTP_AUTHORIZATION=f"Basic {basic}")

    refused = made(analyst, "alice-pass")
    assert refused.status_code == 403 and "Tokens are for fund admins" in refused.json()["detail"]
    assert made(fund_admin, "bob-pass").status_code == 201
