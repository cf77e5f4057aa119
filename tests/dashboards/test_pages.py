"""Dashboard pages over the demo funds and the real data (server side; see the notes for the
browser tests still to come)."""

import pytest

from funding import services
from funding.models import AllocationRun, Fund
from funding.seed import demo_funds_seed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]


@pytest.fixture
def computed():
    demo_funds_seed()
    fund = Fund.objects.get(slug="ae-winter-2013-14")
    services.allocation_run_start(run=AllocationRun.objects.create(fund=fund, triggered_by="t"))


@pytest.mark.parametrize("url", ["/", "/funds/", "/league/", "/funds/ae-winter-2013-14/"])
def test_each_page_renders_with_its_chart_data(client, computed, url):
    response = client.get(url)
    assert response.status_code == 200
    assert b"nhsuk.min.css" in response.content
    if url != "/funds/":
        assert b'id="figure-chart-' in response.content


def test_the_league_marks_the_funded_trusts(client, computed):
    response = client.get("/league/?from=2013-01-01&to=2013-03-31&type=1&limit=5")
    row = response.context["rows"][0]
    assert (row["ods_code"], row["funds"]) == ("RV8", ["ae-winter-2013-14"])


def test_a_bad_league_filter_is_explained_not_a_500(client):
    response = client.get("/league/?from=2013-13-01&type=9")
    assert response.status_code == 400
    assert b"There is a problem" in response.content


def test_the_csv_download_is_the_data_plotted(client, computed):
    response = client.get("/league/?from=2013-01-01&to=2013-03-31&type=1&limit=5&format=csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("rank,ods_code,name")
    assert len(lines) == 6


def test_the_fund_page_shows_its_rule_in_words_and_money_in_pounds(client, computed):
    response = client.get("/funds/ae-winter-2013-14/")
    assert "£221,000,000.00 to the 53 trusts with the lowest four-hour performance" in (
        response.content.decode()
    )
