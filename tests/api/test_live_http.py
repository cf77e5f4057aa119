"""The API's writes and cursors over real HTTP, under the development server (`make run`) and
gunicorn: what a client sees, header handling included, which the test client never exercises.

The served process writes to the same database, so each test commits its own data
(`transaction=True`) instead of holding a transaction the server would wait on.
"""

import base64
import json
from urllib.parse import urlencode

import pytest
from knox.models import AuthToken

from funding.models import AllocationRun
from tests.live import http

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_token(fund_admin) -> str:
    return AuthToken.objects.create(user=fund_admin)[1]


def call(method: str, url: str, *, token: str | None = None):
    return http(method, url, headers={"Authorization": f"Bearer {token}"} if token else {})


def test_recompute_answers_202_with_the_runs_location_once_per_request(
    live_site, small_fund, admin_token
):
    url = f"{live_site}/api/v1/funds/{small_fund.slug}/recompute/"
    locations = []
    for attempt in (1, 2):
        status, headers, body = call("POST", url, token=admin_token)
        assert status == 202, body
        run = json.loads(body)
        assert headers["Location"] == f"{live_site}/api/v1/runs/{run['id']}/"
        locations.append(headers["Location"])
        # Each request makes exactly one run, so a client that got its answer never retries.
        assert AllocationRun.objects.filter(fund=small_fund).count() == attempt
    status, _, body = call("GET", locations[0])
    assert status == 200 and json.loads(body)["fund"] == small_fund.slug
    # The runs list writes each run's address itself (api.rows.identity_url): the same one.
    status, _, body = call("GET", f"{live_site}/api/v1/runs/?fund={small_fund.slug}")
    assert status == 200, body
    assert sorted(run["url"] for run in json.loads(body)["results"]) == sorted(locations)


def test_anonymous_recompute_is_refused_over_http(live_site, small_fund):
    status, _, body = call("POST", f"{live_site}/api/v1/funds/{small_fund.slug}/recompute/")
    assert status == 403, body
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
def test_tampered_cursors_and_parameters_are_a_400_naming_them(live_site, path, query, parameter):
    status, headers, body = call("GET", f"{live_site}/api/v1/{path}/?{urlencode(query)}")
    assert status == 400, body
    assert headers["Content-Type"].startswith("application/json")
    assert parameter in json.loads(body)


def test_an_api_address_that_matches_nothing_is_a_json_404(live_site, request):
    if request.node.callspec.params["live_site"] == "runserver":
        pytest.skip("under DEBUG (make run) Django shows its technical 404 page, on purpose")
    status, headers, body = call("POST", f"{live_site}/api/v1/funds/e.g.%202013-14/recompute/")
    assert status == 404
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"detail": "Not found."}
    status, headers, _ = call("GET", f"{live_site}/no-such-page/")
    assert status == 404 and headers["Content-Type"].startswith("text/html")


def test_a_browser_asking_for_favicon_ico_is_led_to_the_sites_icon(live_site):
    """Asked on any response without an icon link (API JSON, a CSV): urllib follows the
    redirect, as a browser does, to the hashed static file the server holds."""
    status, headers, body = call("GET", f"{live_site}/favicon.ico")
    assert status == 200
    assert headers["Content-Type"] == "image/svg+xml"
    assert body.startswith(b"<svg")
