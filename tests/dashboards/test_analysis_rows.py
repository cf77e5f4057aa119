"""A page's analysis download holds the API's rows: one shape (impact/rows.py) for both."""

import csv
import io

import pytest

from funding import services
from funding.models import AllocationRun, Fund
from funding.seed import demo_funds_seed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]

LEAGUE = "from=2013-01-01&to=2013-03-31&type=1"


def downloaded(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def as_csv_text(rows: list[dict]) -> list[dict[str, str]]:
    """JSON rows as a CSV reader gives them back: every value text, a blank for None."""
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]


def test_the_league_pages_funnel_download_is_the_apis_funnel(client):
    page = downloaded(client.get(f"/league/?{LEAGUE}&chart=funnel&format=csv"))
    api = client.get(f"/api/v1/performance/funnel/?{LEAGUE}").json()["results"]
    assert len(page) == 145
    assert page == as_csv_text(api)


def test_the_fund_pages_event_study_download_is_the_apis_for_each_comparison(client):
    demo_funds_seed()
    fund = Fund.objects.get(slug="ae-winter-2013-14")
    services.allocation_run_start(run=AllocationRun.objects.create(fund=fund, triggered_by="t"))
    page = downloaded(client.get(f"/funds/{fund.slug}/?chart=event-study&format=csv"))
    for control in ("other_funds", "near_miss"):
        api = client.get(f"/api/v1/funds/{fund.slug}/impact/?control={control}").json()
        mine = [{k: v for k, v in r.items() if k != "comparison"} for r in page]
        chosen = [m for m, r in zip(mine, page, strict=True) if r["comparison"] == control]
        assert chosen == as_csv_text(api["event_study"])
        assert len(chosen) == 29


def test_the_trust_pages_spc_download_is_the_apis_spc(client):
    query = "from=2012-04-01&to=2014-03-31&by=month&type=1"  # the page's own type
    page = downloaded(
        client.get(
            "/trusts/RV8/?spc_from=2012-04-01&spc_to=2014-03-31&by=month&chart=spc&format=csv"
        )
    )
    api = client.get(f"/api/v1/performance/spc/?code=RV8&{query}").json()["results"]
    assert page == as_csv_text(api)
    assert len(page) >= 2 and page[0]["mean"] and page[0]["upper_limit"]
