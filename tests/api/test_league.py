"""/api/v1/performance/league/: the worst four-hour performers of a window."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_league_lists_the_worst_with_the_funds_they_received(client, computed):
    response = client.get(
        "/api/v1/performance/league/?from=2013-01-01&to=2013-03-31&type=1&limit=3"
    )
    body = response.json()
    assert body["standard_percentage"] == "95.00"
    first = body["results"][0]
    assert (first["rank"], first["ods_code"], first["percentage"]) == (1, "RV8", "75.55")
    assert first["funds"] == ["ae-winter-2013-14"]


def test_the_league_ranks_type_1_performance_worked_from_the_counts(client):
    # A month after any real figure, so that only these trusts report in it.
    month = dt.date(2031, 1, 1)
    worst, middle, best = factories.trust(), factories.trust(), factories.trust()
    factories.ae_month(worst, month, attendances=1000, over_4h=300)  # 70.00% within 4 hours
    factories.ae_month(worst, month, attendances=500, over_4h=0, department_type="other")
    factories.ae_month(middle, month, attendances=2000, over_4h=200)  # 90.00%
    factories.ae_month(best, month, attendances=400, over_4h=4)  # 99.00%
    funded = factories.fixed_fund({worst: 100_00})
    factories.run(funded)

    body = client.get(
        "/api/v1/performance/league/?from=2031-01-01&to=2031-01-31&type=1&limit=2"
    ).json()
    assert [(r["rank"], r["ods_code"], r["percentage"], r["funds"]) for r in body["results"]] == [
        (1, worst.ods_code, "70.00", [funded.slug]),
        (2, middle.ods_code, "90.00", []),
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2013-13-01&to=2013-03-31", "from"),
        ("from=2013-03-31&to=2013-01-01", "to"),
        ("from=2013-01-01&to=2013-03-31&type=9", "type"),
        ("to=2013-03-31", "from"),
    ],
)
def test_the_league_explains_bad_queries(client, query, field):
    response = client.get(f"/api/v1/performance/league/?{query}")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "window",
    [
        "from=2031-01-01&to=2031-01-31",  # whole months: read from the summary tables
        "from=2031-01-02&to=2031-01-31",  # days: summed from the figures themselves
    ],
)
def test_the_league_reads_the_same_queries_for_3_or_30_trusts(client, window):
    """Each organisation's sums, columns and dated names come in the same queries however
    many organisations report: no list of their ids is sent back to the database."""
    month = dt.date(2031, 1, 1)
    trusts = [factories.trust() for _ in range(30)]

    def read_league() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            body = client.get(f"/api/v1/performance/league/?{window}&type=1").json()
        assert len(body["results"]) == reporting
        # The reads of organisations and their figures; what each trust received is read by
        # its code, in a query of its own.
        return [
            q["sql"]
            for q in captured
            if q["sql"].startswith("SELECT")
            and "trusts_" in q["sql"]
            and "funding_" not in q["sql"]
        ]

    for trust in trusts[:3]:
        factories.ae_month(trust, month, attendances=1000, over_4h=100)
    reporting = 3
    few = read_league()
    for trust in trusts[3:]:
        factories.ae_month(trust, month, attendances=1000, over_4h=100)
    reporting = 30
    assert read_league() == few


def _reporting_trusts(count: int, month: dt.date) -> list:
    """Trusts ranked by their index: the first reports the worst performance."""
    trusts = [factories.trust() for _ in range(count)]
    for index, trust in enumerate(trusts):
        factories.ae_month(trust, month, attendances=1000, over_4h=300 - 10 * index)
    return trusts


JANUARY_2031 = "from=2031-01-01&to=2031-01-31&type=1"


def test_the_league_comes_in_pages_with_the_count_of_the_whole_league(client):
    trusts = _reporting_trusts(5, dt.date(2031, 1, 1))

    first = client.get(f"/api/v1/performance/league/?{JANUARY_2031}&page_size=2").json()
    assert first["count"] == 5
    assert [(r["rank"], r["ods_code"]) for r in first["results"]] == [
        (1, trusts[0].ods_code),
        (2, trusts[1].ods_code),
    ]
    assert first["previous"] is None
    assert "page=2" in first["next"] and "page_size=2" in first["next"]
    assert first["standard_percentage"] == "95.00"  # the window's terms stay beside the page

    last = client.get(first["next"].replace("page=2", "page=3")).json()
    assert [(r["rank"], r["ods_code"]) for r in last["results"]] == [(5, trusts[4].ods_code)]
    assert last["next"] is None


def test_a_limited_league_counts_and_pages_only_the_worst(client):
    trusts = _reporting_trusts(5, dt.date(2031, 1, 1))

    body = client.get(f"/api/v1/performance/league/?{JANUARY_2031}&limit=3&page_size=2&page=2")
    assert body.json()["count"] == 3
    assert [r["ods_code"] for r in body.json()["results"]] == [trusts[2].ods_code]


def test_the_league_as_csv_is_the_whole_league_not_a_page(client):
    trusts = _reporting_trusts(3, dt.date(2031, 1, 1))

    response = client.get(f"/api/v1/performance/league/?{JANUARY_2031}&page_size=1&format=csv")
    lines = b"".join(response.streaming_content if response.streaming else [response.content])
    codes = [line.split(",")[1] for line in lines.decode().splitlines()[1:]]
    assert codes == [trust.ods_code for trust in trusts]


@pytest.mark.parametrize(
    ("query", "field"), [("page_size=0", "page_size"), ("page=9", "page"), ("page=x", "page")]
)
def test_the_league_refuses_a_page_it_does_not_have(client, query, field):
    _reporting_trusts(2, dt.date(2031, 1, 1))

    response = client.get(f"/api/v1/performance/league/?{JANUARY_2031}&{query}")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.usefixtures("real_data")
@pytest.mark.parametrize(("types", "missing"), [("all", ["2013-03"]), ("1", [])])
def test_the_league_names_the_months_of_its_window_without_figures(client, types, missing):
    """Every type in January to March 2013 is January and February alone (the source's March
    is unusable): the league said "1 Jan to 31 Mar 2013" and nothing more."""
    body = client.get(
        f"/api/v1/performance/league/?from=2013-01-01&to=2013-03-31&type={types}&limit=3"
    ).json()
    assert body["months_without_figures"] == missing
    page = client.get(
        "/league/?from=2013-01-01&to=2013-03-31&limit=3"
        + ("&type=1&type=2&type=other&type=total" if types == "all" else "&type=1")
    )
    said = "No figures of these department types for 2013-03" in page.content.decode()
    assert said == bool(missing)


def test_the_funnel_gives_the_estimated_overdispersion_whichever_adjustment_widens_it(client):
    """Five trusts from 70% to 99% of 10,000 attendances each: far more spread than chance. The
    additive adjustment printed "phi = 1.00", the value that means no overdispersion, beside a
    sentence saying trusts differ far more than chance allows; phi is the estimate either way."""
    for share in (300, 200, 100, 50, 10):
        factories.ae_month(factories.trust(), dt.date(2031, 2, 1), 10_000, share * 10)
    window = "/api/v1/performance/funnel/?from=2031-02-01&to=2031-02-28&type=1"

    additive = client.get(f"{window}&overdispersion=additive").json()
    multiplicative = client.get(f"{window}&overdispersion=multiplicative").json()
    page = client.get("/league/?from=2031-02-01&to=2031-02-28&type=1").content.decode()

    assert additive["phi"] == multiplicative["phi"]
    assert float(additive["phi"]) > 100
    assert f"phi = {float(additive['phi']):.2f}" in additive["method"]
    assert "phi = 1.00" not in page


def test_trusts_with_type_1_figures_but_none_of_every_type_are_named_not_ranked(client):
    """Every-type figures before April 2016 come from sources that leave a fifth of trusts out:
    the all-types league of early 2013 ranked 114 trusts against 145 for type 1, named
    Stockport the worst, and never said that three trusts worse by type 1 had no figures."""
    counted = factories.trust("ZL1", name="Counted Hospitals")
    weeks_only = factories.trust("ZL2", name="Weekly Only Hospitals")
    factories.ae_month(counted, dt.date(2031, 3, 1), 1_000, 100)
    factories.ae_month(counted, dt.date(2031, 3, 1), 500, 10, department_type="other")
    factories.ae_week(weeks_only, dt.date(2031, 3, 8), 300, 90)
    window = "from=2031-03-01&to=2031-03-31"

    every_type = client.get(f"/api/v1/performance/league/?{window}&type=all").json()
    type_1 = client.get(f"/api/v1/performance/league/?{window}&type=1").json()
    page = client.get(f"/league/?{window}&type=all").content.decode()

    assert [r["ods_code"] for r in every_type["results"]] == ["ZL1"]
    assert every_type["not_ranked"] == [{"ods_code": "ZL2", "name": "Weekly Only Hospitals"}]
    assert {r["ods_code"] for r in type_1["results"]} == {"ZL1", "ZL2"}
    assert type_1["not_ranked"] == []
    funnel = client.get(f"/api/v1/performance/funnel/?{window}&type=all").json()
    assert funnel["not_plotted"] == every_type["not_ranked"]
    note = page[page.index('id="not-ranked"') : page.index("</details>")]
    assert "1 organisation with type 1 figures in this window has none of these types" in note
    assert ">ZL2</a> Weekly Only Hospitals" in note


@pytest.mark.usefixtures("real_data")
def test_the_all_types_league_of_early_2013_names_the_trusts_its_sources_leave_out(client):
    """By type 1, Stockport (RWJ) was 7th worst in January and February 2013; three of the
    six worse (RV8, RD8, RJF) have no every-type figures then, and the all-types league named
    Stockport the worst without a word about them."""
    body = client.get(
        "/api/v1/performance/league/?from=2013-01-01&to=2013-02-28&type=all&limit=1"
    ).json()

    assert body["results"][0]["ods_code"] == "RWJ"
    assert {"RV8", "RD8", "RJF"} <= {r["ods_code"] for r in body["not_ranked"]}
