"""The trust page's percentile view: the trust's four-hour performance against the national
deciles month by month, as OpenPrescribing shows a practice against all practices."""

import json
import re

import pytest

from trusts.models import Organisation
from trusts.selectors import monthly_series

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]

CHART = re.compile(r'<script id="figure-chart-deciles" type="application/json">(.*?)</script>')


def test_the_trust_page_draws_the_trust_against_the_national_deciles(client):
    html = client.get("/trusts/RV8/?spc_from=2012-04-01&spc_to=2014-03-31").content.decode()
    figure = json.loads(CHART.search(html).group(1))
    names = [trace["name"] for trace in figure["data"]]
    assert len(names) == 10 and names[4] == "Median" and names[-1] == "RV8"
    deciles = [trace["y"] for trace in figure["data"][:9]]
    months = figure["data"][-1]["x"]
    assert months[0] == "2012-04" and months[-1] == "2014-03" and len(months) == 24
    # Each month the deciles rise from the 10th to the 90th percentile.
    for month in range(len(months)):
        column = [decile[month] for decile in deciles]
        assert column == sorted(column)
    # The trust's line is its own type 1 figure, as its monthly series has it.
    own = {
        p.label: float(p.percent)
        for p in monthly_series(["RV8"])
        if p.measure == "1" and p.percent is not None
    }
    assert figure["data"][-1]["y"] == [own[month] for month in months]
    # The chart has a name and a text summary.
    assert 'id="chart-deciles" class="app-chart" role="figure" aria-label="Line chart of' in html
    summary = re.search(r'<p id="deciles-summary">(.*?)</p>', html).group(1)
    assert re.search(r"below the national median in \d+ of 24 months", summary)


def test_only_trusts_get_the_percentile_view(client):
    ccg = Organisation.objects.filter(kind=Organisation.Kind.CCG).first()
    assert "chart-deciles" not in client.get(f"/trusts/{ccg.ods_code}/").content.decode()
