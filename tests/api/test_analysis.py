"""Performance series, SPC, funnel, impact, the 360Giving export and sync by cursor."""

from decimal import Decimal

import pytest
from django.utils import timezone

from funding import services
from funding.models import AllocationRun, Fund
from funding.seed import demo_funds_seed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]

Q4 = "from=2013-01-01&to=2013-03-31&type=1"


@pytest.fixture
def computed():
    demo_funds_seed()
    for slug in (
        "ae-winter-2013-14",
        "ae-winter-second-wave-2013-14",
        "emerging-ccgs-winter-2011-12",
    ):
        services.allocation_run_start(
            run=AllocationRun.objects.create(fund=Fund.objects.get(slug=slug), triggered_by="test")
        )


@pytest.mark.parametrize(
    ("by", "periods"), [("week", 13), ("month", 3), ("quarter", 1), ("year", 1)]
)
def test_performance_sums_counts_at_each_grain(client, by, periods):
    body = client.get(f"/api/v1/performance/?{Q4}&code=RV8&by={by}").json()
    rows = body["results"]
    assert len(rows) == periods
    assert sum(r["attendances"] for r in rows) == sum(
        r["attendances"]
        for r in client.get(f"/api/v1/performance/?{Q4}&code=RV8&by=week").json()["results"]
    )
    if by == "quarter":
        assert rows[0]["period"] == "2012-13 Q4"
        # The same figure as the league table's first row: 75.55%, from counts.
        assert rows[0]["percentage"] == "75.55"
    if by == "year":
        assert rows[0]["period"] == "2012-13"


def test_department_types_default_to_all(client):
    everything = client.get("/api/v1/performance/?from=2017-01-01&to=2017-01-31&code=RRK").json()
    chosen = client.get(
        "/api/v1/performance/?from=2017-01-01&to=2017-01-31&code=RRK&type=1,2,other"
    ).json()
    assert everything["results"] == chosen["results"] != []
    league = client.get("/api/v1/performance/league/?from=2017-01-01&to=2017-01-31").json()
    assert league["types"] == ["1", "2", "other"]


def test_performance_is_paged_and_streams_as_csv(client):
    page = client.get(f"/api/v1/performance/?{Q4}&by=quarter&page_size=10").json()
    assert page["count"] == 145 and len(page["results"]) == 10
    response = client.get(f"/api/v1/performance/?{Q4}&by=quarter&format=csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "ods_code,name,period,attendances,over_4h,percentage,figures"
    assert len(lines) == 146


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2013-01-01&to=2013-03-31&by=fortnight", "by"),
        ("from=2013-01-01&to=2013-03-31&kind=hospital", "kind"),
        ("from=2013-01-01&to=2012-03-31", "to"),
        ("to=2013-03-31", "from"),
    ],
)
def test_performance_explains_bad_queries(client, query, field):
    response = client.get(f"/api/v1/performance/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_an_spc_chart_flags_special_causes(client):
    body = client.get(
        "/api/v1/performance/spc/?from=2012-04-01&to=2014-03-31&type=1&code=rv8&by=month"
    ).json()
    rows = body["results"]
    assert body["ods_code"] == "RV8" and len(rows) == 24
    assert all(r["lower_limit"] < r["mean"] < r["upper_limit"] for r in rows)
    assert {r["special_cause"] for r in rows} - {""}, "two years of RV8 show special causes"


def test_an_spc_chart_needs_two_points(client):
    response = client.get("/api/v1/performance/spc/?from=2013-01-01&to=2013-01-31&code=RV8")
    assert response.status_code == 400
    assert "needs two" in response.json()["detail"]


def test_the_funnel_places_every_trust_against_limits(client):
    body = client.get(f"/api/v1/performance/funnel/?{Q4}").json()
    assert len(body["results"]) == 145
    assert body["national_mean_percentage"] == "91.14"
    assert body["overdispersion"] == "additive" and "national mean" in body["method"]
    mean = Decimal(body["national_mean_percentage"])
    for limit in body["limits"]:
        low_998, low_95, high_95 = (
            Decimal(limit[k]) for k in ("lower_998", "lower_95", "upper_95")
        )
        assert low_998 <= low_95 <= mean <= high_95


def test_binomial_funnel_limits_flag_almost_every_trust_and_adjusted_ones_do_not(client):
    def flagged(method):
        body = client.get(f"/api/v1/performance/funnel/?{Q4}&overdispersion={method}").json()
        return {r["ods_code"] for r in body["results"] if r["beyond"]}, body

    binomial, _ = flagged("none")
    additive, body = flagged("additive")
    multiplicative, _ = flagged("multiplicative")
    assert len(binomial) == 139
    assert len(additive) < 20 and len(multiplicative) < 20
    assert float(body["tau_pp"]) > 1
    worst = body["results"][0]
    assert worst["ods_code"] == "RV8"


def test_impact_gives_the_estimate_both_controls_and_the_caveat(client, computed):
    body = client.get("/api/v1/funds/ae-winter-2013-14/impact/?control=near_miss").json()
    # The winter before the months the worst_n rule ranked trusts on (January to March 2013).
    assert body["before"] == {"from": "2011-11-01", "to": "2012-03-31"}
    assert body["window_warnings"] == []
    estimate = body["estimate"]
    assert estimate["treated_trusts"] == 51 and estimate["control_trusts"] == 18
    assert (estimate["effect_pp"], estimate["ci_low_pp"], estimate["ci_high_pp"]) == (
        "-0.80",
        "-2.52",
        "0.92",
    )
    assert (
        float(estimate["ci_low_pp"]) < float(estimate["effect_pp"]) < float(estimate["ci_high_pp"])
    )
    assert body["other_estimates"]["other_funds"]["control_trusts"] == 88
    assert body["other_estimates"]["other_funds"]["effect_pp"] == "-1.03"
    # Every trust the first wave left out had second-wave money in the same winter.
    assert body["other_estimates"]["unfunded"] is None
    assert "no unfunded comparison group" in body["other_errors"]["unfunded"]
    assert {p["ods_code"] for p in body["paid_by_other_funds"]} <= set(body["controls"])
    assert {(c["predecessor"], c["outcome"]) for c in body["footprint_changes"]} >= {
        ("RYQ", "left out")
    }
    assert "RYQ" not in body["treated"]
    assert body["weighted_estimate"]["weighting"] == "attendances"
    assert 0 <= float(estimate["bootstrap_p_value"]) <= 1
    # The funded trusts' dip in the months they were picked on is a pre-announcement gap.
    assert body["pretrend_test"]["fails"] and "not moving in step" in body["lead_warning"]
    placebos = {p["years_earlier"]: p for p in body["placebos"]}
    assert placebos[1]["after"] == {"from": "2012-11-01", "to": "2013-03-31"}
    assert float(placebos[1]["estimate"]["ci_high_pp"]) < 0
    assert placebos[2]["estimate"] is None and "No trust has figures" in placebos[2]["error"]
    cut = body["discontinuity"]
    assert cut["rank_cut_off"] == "rank 53 against rank 54"
    chosen = cut["estimates"][0]
    assert chosen["funded_in_bandwidth"] > 5 and chosen["unfunded_in_bandwidth"] > 5
    assert float(chosen["ci_low_pp"]) < float(chosen["effect_pp"]) < float(chosen["ci_high_pp"])
    months = [p["months_from_announcement"] for p in body["event_study"]]
    assert (
        months[0] == -22
        and 0 in months
        and body["event_study"][months.index(-1)]["gap_pp"] == "0.00"
    )
    assert "not proof" in body["caveat"]


@pytest.mark.parametrize(
    ("slug", "query", "message"),
    [
        ("emerging-ccgs-winter-2011-12", "", "no trust among its current recipients"),
        ("ae-winter-2013-14", "before=2013-11-01,2014-03-31&after=2012-11-01,2013-03-31", "before"),
        ("ae-winter-2013-14", "before=2013-01-01", "FROM,TO"),
        ("ae-winter-2013-14", "control=lottery", "control"),
    ],
)
def test_impact_refuses_what_it_cannot_answer(client, computed, slug, query, message):
    response = client.get(f"/api/v1/funds/{slug}/impact/?{query}")
    assert response.status_code == 400
    assert message in str(response.json())


def test_the_360giving_export_uses_nhs_org_ids_and_published_figures(client, computed):
    grants = client.get("/api/v1/export/360giving/").json()["grants"]
    barts = next(g for g in grants if g["recipientOrganization"][0]["id"] == "GB-NHS-R1H")
    assert barts["amountAwarded"] == 12_800_000
    assert barts["currency"] == "GBP" and barts["awardDate"] == "2013-09-10"
    assert barts["grantProgramme"][0]["code"] == "ae-winter-2013-14"
    assert len({g["id"] for g in grants}) == len(grants)
    modelled = client.get(
        "/api/v1/export/360giving/?basis=all&fund=emerging-ccgs-winter-2011-12"
    ).json()["grants"]
    assert len(modelled) == 209
    assert all(g["title"].endswith("(modelled)") for g in modelled)
    # Paid through the PCT cluster: the cluster is named as a funder on the way.
    assert all(len(g["fundingOrganization"]) == 2 for g in modelled)


def test_a_client_syncs_changes_by_cursor(client, computed):
    first = client.get("/api/v1/funds/?updated_since=2000-01-01T00:00:00Z&page_size=3").json()
    assert "count" not in first and len(first["results"]) == 3
    seen = [f["slug"] for f in first["results"]]
    following = client.get(first["next"]).json()
    seen += [f["slug"] for f in following["results"]]
    assert len(seen) == len(set(seen)) == min(6, Fund.objects.count())
    stamps = [f["updated_at"] for f in first["results"] + following["results"]]
    assert stamps == sorted(stamps)
    later = client.get(f"/api/v1/funds/?updated_since={stamps[-1].replace('+', '%2B')}").json()
    assert [f["slug"] for f in later["results"]] == seen[-1:] + [
        s for s in Fund.objects.order_by("updated_at", "id").values_list("slug", flat=True)
    ][len(seen) :]


def test_a_fund_whose_run_lands_is_changed_for_clients_that_sync(client, computed):
    fund = Fund.objects.get(slug="ae-winter-2013-14")
    synced = f"/api/v1/funds/?updated_since={timezone.now().isoformat().replace('+', '%2B')}"
    assert client.get(synced).json()["results"] == []
    # Inputs that differ from the current run's, so that this run writes new allocations.
    AllocationRun.objects.filter(fund=fund, is_current=True).update(inputs_fingerprint="earlier")
    services.allocation_run_start(run=AllocationRun.objects.create(fund=fund, triggered_by="t"))
    assert fund.slug in [f["slug"] for f in client.get(synced).json()["results"]]


def test_a_before_window_over_the_rules_selection_months_is_flagged(client, computed):
    body = client.get("/api/v1/funds/ae-winter-2013-14/impact/?before=2012-11-01,2013-03-31").json()
    assert float(body["estimate"]["ci_low_pp"]) > 0
    assert "regression to the mean" in body["window_warnings"][0]
