"""The API's writes and cursors over real HTTP, under the development server (`make run`) and
gunicorn: what a client sees, header handling included, which the test client never exercises.

The served process writes to the same database, so each test commits its own data
(`transaction=True`) instead of holding a transaction the server would wait on.
"""

import base64
import datetime as dt
import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from funding import services
from funding.models import AllocationRun, Fund, PublishedAllocation
from tests.live import SERVERS, served
from trusts.models import Organisation

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module", params=SERVERS)
def site(request, django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        django_db_blocker.unblock(),
        served(request.param, static_root=str(tmp_path_factory.mktemp("static"))) as base,
    ):
        yield base


@pytest.fixture
def small_fund() -> Fund:
    fund = Fund.objects.create(
        slug="live-fund",
        name="Live fund",
        announced_by=Fund.Body.DH,
        announced_on=dt.date(2013, 9, 10),
        total_pence=1_000_00,
        purpose="Testing over HTTP",
        money_kind=Fund.MoneyKind.NEW,
        route=Fund.Route.DIRECT_TO_TRUSTS,
    )
    trust = Organisation.objects.create(ods_code="ZW1", name="Test Trust", kind="trust")
    PublishedAllocation.objects.create(fund=fund, recipient=trust, amount_pence=400_00, source="t")
    return fund


@pytest.fixture
def admin_token(fund_admin) -> str:
    from rest_framework.authtoken.models import Token

    services.fund_admin_group_ensure().user_set.add(fund_admin)
    return Token.objects.create(user=fund_admin).key


def call(method: str, url: str, *, token: str | None = None):
    """(status, headers, body) of one request; an error status is an answer, not an exception."""
    request = urllib.request.Request(url, method=method)
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_recompute_answers_202_with_the_runs_location_once_per_request(
    site, small_fund, admin_token
):
    url = f"{site}/api/v1/funds/{small_fund.slug}/recompute/"
    locations = []
    for attempt in (1, 2):
        status, headers, body = call("POST", url, token=admin_token)
        assert status == 202, body
        run = json.loads(body)
        assert headers["Location"] == f"{site}/api/v1/runs/{run['id']}/"
        locations.append(headers["Location"])
        # Each request makes exactly one run, so a client that got its answer never retries.
        assert AllocationRun.objects.filter(fund=small_fund).count() == attempt
    status, _, body = call("GET", locations[0])
    assert status == 200 and json.loads(body)["fund"] == small_fund.slug


def test_anonymous_recompute_is_refused_over_http(site, small_fund):
    status, _, body = call("POST", f"{site}/api/v1/funds/{small_fund.slug}/recompute/")
    assert status in (401, 403), body
    assert "detail" in json.loads(body)
    assert not AllocationRun.objects.filter(fund=small_fund).exists()


def tampered_cursor(position: str) -> str:
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("allocations", {"updated_since": "2013-01-01", "cursor": tampered_cursor("x")}, "cursor"),
        ("funds", {"updated_since": "2013-01-01", "cursor": tampered_cursor("x")}, "cursor"),
        ("funds", {"updated_since": "2013-01-01", "cursor": "not base64!"}, "cursor"),
        ("allocations", {"run": "1.5"}, "run"),
        ("allocations", {"updated_since": "yesterday"}, "updated_since"),
        ("funds", {"page": "x"}, "page"),
        ("funds", {"page_size": "-1"}, "page_size"),
    ],
)
def test_tampered_cursors_and_parameters_are_a_400_naming_them(site, path, query, parameter):
    status, headers, body = call("GET", f"{site}/api/v1/{path}/?{urlencode(query)}")
    assert status == 400, body
    assert headers["Content-Type"].startswith("application/json")
    assert parameter in json.loads(body)
