"""Dashboard pages over the demo funds and the real data, server side (test_browser.py drives
them in chromium)."""

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from funding import services
from funding.models import AllocationRun, Fund, PublishedAllocation
from tests.html import CELL_HEADING
from trusts.models import AEActivity, Organisation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]


LEAGUE = "from=2013-01-01&to=2013-03-31&type=1"
CHART = re.compile(
    r'<script id="figure-chart-([\w-]+)" type="application/json">(.*?)</script>', re.DOTALL
)
TABLE_ROW = re.compile(r"<tr\b[^>]*>((?:<td\b[^>]*>.*?</td>)+)</tr>", re.DOTALL)


def charts(response) -> dict[str, dict]:
    """The Plotly figures the page hands to the browser, by chart name."""
    return {name: json.loads(figure) for name, figure in CHART.findall(response.content.decode())}


def table_rows(response) -> list[list[str]]:
    """The cells of every data row of the page's tables, as text."""
    html = response.content.decode()
    return [
        [unescape(cell) for cell in re.findall(r"<td\b[^>]*>(.*?)</td>", row)]
        for row in TABLE_ROW.findall(html)
    ]


def csv_download(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def league_from_the_api(client, limit: int) -> list[dict]:
    return client.get(f"/api/v1/performance/league/?{LEAGUE}&limit={limit}").json()["results"]


def england_percent_from_the_raw_file(year: int, month: int) -> float:
    """All department types, worked out from data/nhsr_ae_attendances_2016-04_2019-03.csv."""
    path = settings.DATA_DIR / "nhsr_ae_attendances_2016-04_2019-03.csv"
    with path.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["period"] == f"{year}-{month:02d}-01"]
    attendances = sum(int(r["attendances"]) for r in rows)
    breaches = sum(int(r["breaches"]) for r in rows)
    return round(100 * (attendances - breaches) / attendances, 2)


def test_the_overview_chart_plots_englands_monthly_performance(client, computed):
    lines = {line["name"]: line for line in charts(client.get("/"))["performance"]["data"]}
    marks = "Fund announced (hover for its name)"
    assert set(lines) == {"Type 1 (major A&E)", "All types", marks}
    # Each fund's month carries a marker whose hover text names it; no label is drawn on the
    # chart, so none can overlap another.
    named = dict(zip(lines[marks]["x"], lines[marks]["text"], strict=True))
    for fund in Fund.objects.all():
        assert fund.name in named[f"{fund.announced_on:%Y-%m}"]
    annotations = charts(client.get("/"))["performance"]["layout"]["annotations"]
    assert [annotation["text"] for annotation in annotations] == ["95% standard"]
    plotted = dict(zip(lines["All types"]["x"], lines["All types"]["y"], strict=True))
    assert plotted["2016-04"] == england_percent_from_the_raw_file(2016, 4)
    assert plotted["2019-03"] == england_percent_from_the_raw_file(2019, 3)
    assert next(iter(plotted)) == "2010-11" and len(plotted) > 150


def test_the_league_charts_plot_the_worst_trusts_and_every_trust_in_the_funnel(client, computed):
    expected = league_from_the_api(client, limit=5)
    page = charts(client.get(f"/league/?{LEAGUE}&limit=5"))
    [bars] = page["league"]["data"]
    assert bars["x"] == [float(r["percentage"]) for r in expected]
    assert bars["y"] == [r["ods_code"] for r in expected]
    assert bars["text"] == [r["name"] for r in expected]
    every_trust = client.get(f"/api/v1/performance/funnel/?{LEAGUE}").json()["results"]
    # The legend says what a red point is: one trace inside the 95% limits, one beyond.
    trusts = {t["name"]: t for t in page["funnel"]["data"] if t["mode"] == "markers"}
    assert set(trusts) == {"Trusts within the 95% limits", "Trusts beyond the 95% limits"}
    assert sum(len(trace["x"]) for trace in trusts.values()) == len(every_trust) == 145
    beyond = trusts["Trusts beyond the 95% limits"]["text"]
    assert len(beyond) == sum(1 for r in every_trust if r["beyond"]) > 0


def test_the_fund_chart_plots_each_allocation_by_basis(client, computed):
    rows = client.get("/api/v1/allocations/?fund=ae-winter-2013-14&page_size=1000").json()
    expected = {
        basis: {
            r["recipient"]["ods_code"]: float(r["amount"])
            for r in rows["results"]
            if r["basis"] == basis
        }
        for basis in ("modelled", "published")
    }
    page = charts(client.get("/funds/ae-winter-2013-14/"))
    plotted = {
        trace["name"].lower(): dict(zip(trace["x"], trace["y"], strict=True))
        for trace in page["allocations"]["data"]
    }
    assert plotted == expected
    assert plotted["published"] == {"R1H": 12_800_000.0, "RF4": 7_000_000.0}
    # A bar names its recipient when pointed at, not its code alone, and the axis says £ of what.
    published = next(t for t in page["allocations"]["data"] if t["name"] == "Published")
    assert published["text"] == [
        "Barts Health NHS Trust",
        "Barking, Havering and Redbridge University Hospitals NHS Trust",
    ]
    assert page["allocations"]["layout"]["yaxis"]["title"]["text"] == "Allocated (£)"
    assert round(sum(plotted["modelled"].values()), 2) == 221_000_000.00
    assert len(page["event-study"]["data"]) == 2  # one line per comparison group


def test_the_fund_list_shows_each_fund(client, computed):
    html = client.get("/funds/").content.decode()
    for fund in Fund.objects.all():
        assert escape(fund.name) in html


def test_the_league_marks_the_funded_trusts(client, computed):
    expected = league_from_the_api(client, limit=60)
    names = dict(Fund.objects.values_list("slug", "name"))
    shown = table_rows(client.get(f"/league/?{LEAGUE}&limit=60"))[:60]
    # Funds by name, each linked to its page.
    assert [(_text(cells[1]), _text(cells[8])) for cells in shown] == [
        (r["ods_code"], "; ".join(names[slug] for slug in r["funds"])) for r in expected
    ]
    assert _text(shown[0][8]) == names["ae-winter-2013-14"]
    assert '<a href="/funds/ae-winter-2013-14/">' in shown[0][8]
    # The first wave's trusts and the second wave's (every other A&E) both appear.
    assert len({cells[8] for cells in shown}) > 1


def _text(cell: str) -> str:
    return re.sub(r"<[^>]+>", "", cell)


def test_a_bad_league_filter_is_explained_not_a_500(client):
    response = client.get("/league/?from=2013-13-01&type=9")
    assert response.status_code == 400
    assert b"There is a problem" in response.content


def test_the_csv_download_is_the_data_plotted(client, computed):
    expected = league_from_the_api(client, limit=5)
    downloaded = csv_download(client.get(f"/league/?{LEAGUE}&limit=5&format=csv"))
    assert [
        (int(r["rank"]), r["ods_code"], int(r["attendances"]), int(r["over_4h"]), r["percent"])
        for r in downloaded
    ] == [
        (r["rank"], r["ods_code"], r["attendances"], r["over_4h"], r["percentage"])
        for r in expected
    ]
    [bars] = charts(client.get(f"/league/?{LEAGUE}&limit=5"))["league"]["data"]
    assert [float(r["percent"]) for r in downloaded] == bars["x"]


def test_the_fund_page_shows_its_rule_in_words_and_money_in_pounds(client, computed):
    response = client.get("/funds/ae-winter-2013-14/")
    # 53 in all, the 10 London trusts named among them (not 10 and then 53 more).
    assert (
        "£221,000,000.00 to 53 trusts: the 10 recipients named by sources (R1H, RF4, RVL, RJ6, "
        "RC3, RAP, RKE, RFW, RV8, RYQ) and the 43 others with the lowest four-hour performance"
    ) in response.content.decode()


PAGES = [
    "/",
    "/funds/",
    "/funds/ae-winter-2013-14/",
    "/league/",
    "/performance/",
    "/trusts/",
    "/trusts/RV8/",
    "/spending/",
]


def text(html: str) -> str:
    """What a reader sees of some HTML: its text, without tags (each a space) or the headings
    a responsive table shows only on a phone, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", CELL_HEADING.sub("", html))).split())


def what_each_new_page_shows(url: str) -> tuple[str, set[str], Callable[[list[list[str]]], bool]]:
    """A page's heading, the charts it draws, and a check of its table rows, from the data."""
    from funding.models import Allocation, Fund, SpendingLine, SpendingReport

    if url == "/performance/":
        # RV8, the worst of 2012-13 Q4, got first-wave money: its row names the fund.
        first_wave = Fund.objects.get(slug="ae-winter-2013-14").name
        return (
            "Did the money go where the pressure was?",
            {"scatter"},
            lambda rows: any(r[0] == "RV8" and first_wave in r[-1] for r in rows),
        )
    if url == "/trusts/":
        first_page = Organisation.objects.filter(kind="trust").order_by("name", "ods_code")[:100]
        return (
            "Organisations",
            set(),
            lambda rows: [r[0] for r in rows] == [o.ods_code for o in first_page],
        )
    if url == "/trusts/RV8/":
        received = Allocation.objects.filter(
            run__is_current=True, recipient__ods_code="RV8", amount_pence__gt=0
        ).select_related("fund")
        return (
            Organisation.objects.get(ods_code="RV8").name,
            {"performance", "spc", "deciles"},
            lambda rows: {r[0] for r in rows} >= {a.fund.name for a in received} != set(),
        )
    assert url == "/spending/"
    # Each reported category, and what each report left uncommitted where it says.
    categories = [line.category for line in SpendingLine.objects.all()] + [
        "Uncommitted" for _ in SpendingReport.objects.filter(uncommitted_pence__isnull=False)
    ]
    return (
        "What recipients reported spending",
        {"spending"},
        lambda rows: sorted(r[3] for r in rows) == sorted(categories) != [],
    )


@pytest.mark.parametrize("url", PAGES[4:])
def test_the_new_pages_render(client, computed, url):
    response = client.get(url)
    assert response.status_code == 200
    assert b"nhsuk.min.css" in response.content
    heading, chart_names, rows_are_right = what_each_new_page_shows(url)
    html = response.content.decode()
    assert text(re.search(r"<h1>(.*?)</h1>", html, re.DOTALL).group(1)).startswith(heading)
    drawn = charts(response)
    assert set(drawn) == chart_names
    for name, figure in drawn.items():
        assert any(trace.get("x") or trace.get("y") for trace in figure["data"]), name
    assert rows_are_right([[text(cell) for cell in row] for row in table_rows(response)])


def _more_trusts_funded_and_reporting(count: int) -> None:
    """Synthetic trusts (codes ZZ...), labelled so, with a quarter of weekly figures and a
    published allocation each: more rows for every page, never shown as real."""
    fund = Fund.objects.get(slug="ae-winter-2013-14")
    for i in range(count):
        trust = Organisation.objects.create(
            ods_code=f"ZZ{i:03d}", name=f"Synthetic test trust {i}", kind="trust", region="London"
        )
        for week in range(13):
            end = dt.date(2013, 1, 6) + dt.timedelta(weeks=week)
            AEActivity.objects.create(
                organisation=trust,
                grain="week",
                period_start=end - dt.timedelta(days=6),
                period_end=end,
                department_type="1",
                attendances=1000 + i,
                over_4h=100 + week,
                source_file="synthetic",
                source_line=week + 1,
            )
        PublishedAllocation.objects.create(
            fund=fund, recipient=trust, amount_pence=100_00, source="synthetic"
        )
    services.allocation_run_start(run=AllocationRun.objects.create(fund=fund, triggered_by="t"))


def test_each_page_makes_the_same_number_of_queries_whatever_the_data_size(client, computed):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = [*PAGES, "/league/?limit=200", "/trusts/?region=London"]
    before = {url: queries(url) for url in urls}
    _more_trusts_funded_and_reporting(40)
    after = {url: queries(url) for url in urls}
    assert after == before


def test_the_winter_fund_page_shows_both_estimates_the_event_study_and_the_caveat(client, computed):
    page = client.get("/funds/ae-winter-2013-14/")
    impact = page.context["impact"]["result"]
    assert [c.control for c in impact.comparisons] == ["unfunded", "other_funds", "near_miss"]
    assert [c.estimate is not None for c in impact.comparisons] == [False, True, True]
    html = page.content.decode()
    assert "There is no unfunded comparison group" in html
    assert "Against every other trust with A&amp;E figures, paid by other funds or not" in html
    assert "Against the near misses" in html
    # South London Healthcare's hospitals moved to unfunded trusts in October 2013.
    assert "RYQ to RJ2 on 1 Oct 2013: left out" in html
    # The failed pre-trend test comes before any estimate.
    assert html.index("Read this before any estimate") < html.index("app-estimate")
    assert "Placebo, 1 year earlier" in html
    assert "At the cut-offs where rank decided" in html
    assert "10 named by sources whatever their rank, left out here" in html
    assert 'id="figure-chart-event-study"' in html
    assert "association, not proof" in html
    csv = client.get("/funds/ae-winter-2013-14/?chart=event-study&format=csv")
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0] == "comparison,months_from_announcement,month,gap_pp,ci_low_pp,ci_high_pp"
    assert len(lines) == 1 + 2 * 29  # November 2011 to March 2014, both comparisons


def test_a_fund_without_trust_recipients_has_no_impact_section(client, computed):
    page = client.get("/funds/emerging-ccgs-winter-2011-12/")
    assert page.status_code == 200
    assert page.context["impact"] == {}


def test_the_organisation_list_is_paged_and_its_csv_holds_every_page(client, computed, monkeypatch):
    monkeypatch.setattr("dashboards.views.ORGANISATIONS_PER_PAGE", 10)
    trusts = Organisation.objects.filter(kind="trust")
    first = client.get("/trusts/?kind=trust")
    second = client.get("/trusts/?kind=trust&page=2")
    first_codes = [row["ods_code"] for row in first.context["rows"]]
    second_codes = [row["ods_code"] for row in second.context["rows"]]
    assert len(first_codes) == len(second_codes) == 10
    assert not set(first_codes) & set(second_codes)
    assert f"{trusts.count()} found, page 1 of" in first.content.decode()
    assert b'href="?kind=trust&amp;page=2"' in first.content
    csv = b"".join(client.get("/trusts/?kind=trust&page=2&format=csv").streaming_content)
    assert len(csv.decode().splitlines()) == trusts.count() + 1


def test_the_league_funnel_is_centred_on_the_national_mean_and_adjusted_by_default(client):
    html = client.get("/league/").content.decode()
    assert "around the national mean" in html and 'national mean"' in html
    assert "additive random effects (Spiegelhalter 2005)" in html
    plain = client.get("/league/?overdispersion=none").content.decode()
    assert "pure binomial limits" in plain
    assert client.get("/league/?overdispersion=log").status_code == 400


def test_an_spc_chart_takes_a_baseline_and_a_change_point_from_the_page(client):
    page = client.get(
        "/trusts/RV8/?spc_from=2012-04-01&spc_to=2014-03-31&by=month&change_at=2013-04"
    )
    rows = page.context["spc_rows"]
    at = next(i for i, r in enumerate(rows) if r["period"] == "2013-04")
    assert rows[at]["limits_from"] == "change point" and rows[at - 1]["limits_from"] == "baseline"
    html = page.content.decode()
    assert "Assurance against the 95% standard" in html and "week ends" in html
    wrong = client.get("/trusts/RV8/?spc_from=2012-04-01&spc_to=2014-03-31&change_at=2019-01")
    assert "2019-01 are not periods of the chart" in wrong.content.decode()


def test_an_spc_chart_of_weekly_months_names_the_weekly_source(client):
    # RV8 has no all-types monthly figures in 2012-13 (the monthly totals built from the
    # weekly sitreps cover only providers open in 2020): its months are built from its own
    # weekly sitreps, every one of them, and the chart's title names where they came from.
    response = client.get("/trusts/RV8/?spc_from=2012-04-01&spc_to=2014-03-31&by=month")
    figure = charts(response)["spc"]
    title = figure["layout"]["title"]["text"]
    assert "Sources:" in title
    assert "weekly sitrep" in title.split("Sources:", 1)[1]
    assert len(figure["data"][0]["y"]) == 24 and None not in figure["data"][0]["y"]
    assert "No figure for" not in response.content.decode()


EVERY_TYPE = "&type=1&type=2&type=other&type=total"


def test_an_spc_chart_names_the_months_without_a_figure_and_draws_them_as_a_gap(client):
    response = client.get(
        f"/trusts/RY5/?spc_from=2012-04-01&spc_to=2014-03-31&by=month{EVERY_TYPE}"
    )
    figure = charts(response)["spc"]
    assert "No figure for 2012-05, 2013-03 to 2013-05" in unescape(response.content.decode())
    assert None in figure["data"][0]["y"]


def test_an_spc_chart_plots_one_measure_type_1_unless_asked(client):
    """RWE's every-type months are the monthly totals built from the weekly sitreps; its
    type 1 months are its weeks. The chart used to fill the months without a total
    (2012-05, 2013-03 to 05) with type 1 weeks, some 8 points lower, and flag the dip."""
    window = "spc_from=2012-04-01&spc_to=2014-03-31&by=month"
    type_1 = client.get(f"/trusts/RWE/?{window}").context["spc_rows"]
    assert len(type_1) == 24 and {row["grain"] for row in type_1} == {"week"}
    every = client.get(f"/trusts/RWE/?{window}{EVERY_TYPE}")
    assert {row["grain"] for row in every.context["spc_rows"]} == {"month"}
    assert "No figure for 2012-05, 2013-03 to 2013-05" in unescape(every.content.decode())


def test_weeks_of_every_type_are_a_field_error(client):
    response = client.get(f"/trusts/RWE/?spc_from=2012-04-01&spc_to=2014-03-31&by=week{EVERY_TYPE}")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert 'id="id_type_error"' in html
    assert "Weekly figures count type 1 attendances only" in html
    assert response.context["spc_rows"] == []


def test_the_performance_pages_default_windows_are_clear_of_the_funds_ranking(client, computed):
    """The page opened on the first wave with a before window of winter 2012-13, which holds
    the months its rule ranked trusts on (January to March 2013): funded trusts "gained"
    3.1 points by regressing to the mean, and nothing said so."""
    response = client.get("/performance/")
    data = response.context["form"].cleaned_data
    assert (data["before"].start, data["before"].end) == (
        dt.date(2011, 11, 1),
        dt.date(2012, 3, 31),
    )
    assert 'id="window-warnings"' not in response.content.decode()
    overlapping = client.get(
        "/performance/?fund=ae-winter-2013-14&before_from=2012-11-01&before_to=2013-03-31"
        "&after_from=2013-11-01&after_to=2014-03-31&type=1"
    )
    html = unescape(overlapping.content.decode())
    assert 'id="window-warnings"' in html
    assert "regression to the mean" in html
    names = {trace["name"] for trace in charts(overlapping)["scatter"]["data"]}
    assert "Not from this fund, NHS trust" in names and "From this fund, NHS trust" in names
