"""Performance series, SPC, funnel, impact, the 360Giving export and sync by cursor."""

import csv
import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from scipy import stats as scipy_stats

from funding import services
from funding.models import AllocationRun, Fund
from funding.selectors import received_by_recipient
from trusts.selectors import activity_in, types_parse
from trusts.windows import Window

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]

Q4 = "from=2013-01-01&to=2013-03-31&type=1"


def q4_from_the_raw_weekly_file(name: str | None = None) -> tuple[int, int]:
    """Attendances and breaches over the 13 weeks ending 6 January to 31 March 2013, from
    data/bbc_weekly_ae_type1_by_trust_2010-11_to_2014-12.csv itself: the file gives a rounded
    percentage, so each week's breaches are worked back from it as data/SOURCES.md describes."""
    path = settings.DATA_DIR / "bbc_weekly_ae_type1_by_trust_2010-11_to_2014-12.csv"
    attendances = over_4h = 0
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            week = dt.datetime.strptime(row["analysisdate"], "%Y.%m.%d").date()
            if dt.date(2013, 1, 1) <= week <= dt.date(2013, 3, 31) and name in (None, row["name"]):
                count = int(row["attendances_at_ane"])
                seen = Decimal(row["patients_seen_in_four_hours"])
                attendances += count
                over_4h += int((count * (100 - seen) / 100).quantize(1, ROUND_HALF_UP))
    return attendances, over_4h


def percentage(attendances: int, over_4h: int) -> str:
    return f"{Decimal(100 * (attendances - over_4h)) / attendances:.2f}"


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
        attendances, over_4h = q4_from_the_raw_weekly_file("North West London Hospitals NHS Trust")
        assert (rows[0]["attendances"], rows[0]["over_4h"]) == (attendances, over_4h)
        assert rows[0]["percentage"] == percentage(attendances, over_4h) == "75.55"
    if by == "year":
        assert rows[0]["period"] == "2012-13"


def test_department_types_default_to_all(client):
    everything = client.get("/api/v1/performance/?from=2017-01-01&to=2017-01-31&code=RRK").json()
    chosen = client.get(
        "/api/v1/performance/?from=2017-01-01&to=2017-01-31&code=RRK&type=1,2,other"
    ).json()
    assert everything["results"] == chosen["results"] != []
    league = client.get("/api/v1/performance/league/?from=2017-01-01&to=2017-01-31").json()
    # "all" also takes a provider's bare total where a source gives no figures by type.
    assert league["types"] == ["1", "2", "other", "total"]


def test_performance_is_paged_and_streams_as_csv(client):
    page = client.get(f"/api/v1/performance/?{Q4}&by=quarter&page_size=10").json()
    assert page["count"] == 145 and len(page["results"]) == 10
    response = client.get(f"/api/v1/performance/?{Q4}&by=quarter&format=csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "ods_code,name,period,attendances,over_4h,percentage,figures,sources"
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


@pytest.mark.parametrize("types", ["1", "all"])
def test_a_league_over_a_window_of_days_is_its_figures_summed(client, types):
    """15 January to 14 May: the whole months in between are read from the summaries, the
    days around them from the figures; the API gives what the figures add up to."""
    window = Window(dt.date(2012, 1, 15), dt.date(2012, 5, 14))
    summed = {
        row["organisation__ods_code"]: (row["attendances"], row["over_4h"])
        for row in activity_in(window, types=types_parse(types))
        .values("organisation__ods_code")
        .annotate(attendances=Sum("attendances"), over_4h=Sum("over_4h"))
        if row["attendances"]
    }

    response = client.get(
        f"/api/v1/performance/league/?from=2012-01-15&to=2012-05-14&type={types}&page_size=1000"
    )

    assert response.status_code == 200
    listed = {
        row["ods_code"]: (row["attendances"], row["over_4h"]) for row in response.json()["results"]
    }
    assert len(summed) > 100 and listed == summed
    assert response.json()["count"] == len(summed)


def test_the_funnel_places_every_trust_against_limits(client):
    body = client.get(f"/api/v1/performance/funnel/?{Q4}").json()
    assert len(body["results"]) == 145
    # England's Type 1 figure over the quarter: every trust's weeks in the raw file.
    mean = Decimal(body["national_mean_percentage"])
    assert body["national_mean_percentage"] == percentage(*q4_from_the_raw_weekly_file()) == "91.14"
    assert body["overdispersion"] == "additive" and "national mean" in body["method"]
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


BEFORE = ["2011-11", "2011-12", "2012-01", "2012-02", "2012-03"]
AFTER = ["2013-11", "2013-12", "2014-01", "2014-02", "2014-03"]


def panel_from_the_performance_api(
    client, start: str, merged: dict[str, str] | None = None
) -> dict[tuple[str, str], float]:
    """Each trust's Type 1 performance by month, read through the performance API; a trust
    the impact API says was merged into another (`merged`: predecessor to successor) is
    counted with it, summing counts before taking the percentage."""
    counts: dict[tuple[str, str], list[int]] = {}
    url = (
        f"/api/v1/performance/?from={start}&to=2014-03-31&type=1&by=month&kind=trust&page_size=1000"
    )
    while url:
        body = client.get(url).json()
        for row in body["results"]:
            if row["attendances"]:
                code = (merged or {}).get(row["ods_code"], row["ods_code"])
                total = counts.setdefault((code, row["period"]), [0, 0])
                total[0] += row["attendances"]
                total[1] += row["over_4h"]
        url = body["next"]
    return {
        key: 100 * (1 - over_4h / attendances) for key, (attendances, over_4h) in counts.items()
    }


def did_by_dummy_variable_regression(panel, treated: set[str], controls: set[str]) -> dict:
    """The estimate the README describes, worked out independently of impact/stats.py: OLS with
    a dummy for every trust and every month but the first (not by demeaning), trust-clustered
    (CR1) errors and a t interval with one fewer degree of freedom than there are trusts."""
    seen = {}
    for code, month in panel:
        if code in treated | controls and month in BEFORE + AFTER:
            seen.setdefault(code, set()).add(month in AFTER)
    trusts = sorted(code for code, sides in seen.items() if len(sides) == 2)
    months = sorted({month for code, month in panel if code in trusts and month in BEFORE + AFTER})
    obs = [
        (code, month, y) for (code, month), y in panel.items() if code in trusts and month in months
    ]
    x = np.array(
        [
            [1.0 if code in treated and month in AFTER else 0.0]
            + [1.0 if m == month else 0.0 for m in months[1:]]
            + [1.0 if t == code else 0.0 for t in trusts]
            for code, month, _ in obs
        ]
    )
    y = np.array([value for _, _, value in obs])
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    residuals = y - x @ beta
    bread = np.linalg.pinv(x.T @ x)
    scores = np.zeros((len(trusts), x.shape[1]))
    for row, (code, _, _) in enumerate(obs):
        scores[trusts.index(code)] += x[row] * residuals[row]
    clusters, n, k = len(trusts), len(obs), len(months)  # k: the effect and the month dummies
    covariance = clusters / (clusters - 1) * (n - 1) / (n - k) * bread @ scores.T @ scores @ bread
    se = float(np.sqrt(covariance[0, 0]))
    critical = float(scipy_stats.t.ppf(0.975, clusters - 1))
    effect = float(beta[0])
    return {
        "effect_pp": f"{effect:.2f}",
        "ci_low_pp": f"{effect - critical * se:.2f}",
        "ci_high_pp": f"{effect + critical * se:.2f}",
        "treated_trusts": len(set(trusts) & treated),
        "control_trusts": len(set(trusts) & controls),
    }


def readme_figures() -> dict[str, dict]:
    """The figures README.md quotes for the winter fund, read from README.md itself."""
    text = " ".join((settings.BASE_DIR / "README.md").read_text().split())
    number = r"(-?[\d.]+)"
    found = re.search(
        rf"the estimates: {number} points \(95% interval {number} to {number}; bootstrap "
        rf"p = [\d.]+\) against the (\d+) other trusts, .*? and {number} \({number} to "
        rf"{number}\) against the (\d+) near misses, for the (\d+) funded trusts estimated",
        text,
    )
    assert found, "README.md no longer quotes the winter fund's estimates"
    *other, other_n, near_effect, near_low, near_high, near_n, treated = found.groups()
    keys = ("effect_pp", "ci_low_pp", "ci_high_pp")
    return {
        "other_funds": dict(zip(keys, other, strict=True))
        | {"treated_trusts": int(treated), "control_trusts": int(other_n)},
        "near_miss": dict(zip(keys, (near_effect, near_low, near_high), strict=True))
        | {"treated_trusts": int(treated), "control_trusts": int(near_n)},
    }


def test_impact_matches_an_independent_regression_and_the_readme(client, computed):
    body = client.get("/api/v1/funds/ae-winter-2013-14/impact/?control=near_miss").json()
    # The winter before the months the worst_n rule ranked trusts on (January to March 2013).
    assert body["before"] == {"from": "2011-11-01", "to": "2012-03-31"}
    assert body["after"] == {"from": "2013-11-01", "to": "2014-03-31"}
    assert body["window_warnings"] == []
    estimate, other_funds = body["estimate"], body["other_estimates"]["other_funds"]
    near_misses = set(body["controls"])
    every_trust = client.get("/api/v1/funds/ae-winter-2013-14/impact/").json()
    merged = {
        change["predecessor"]: change["successor"]
        for change in body["footprint_changes"]
        if change["outcome"] == "merged"
    }
    panel = panel_from_the_performance_api(client, "2011-11-01", merged)
    treated = set(body["treated"])
    assert treated == set(every_trust["treated"])
    independent = {
        "near_miss": did_by_dummy_variable_regression(panel, treated, near_misses),
        "other_funds": did_by_dummy_variable_regression(
            panel, treated, set(every_trust["controls"])
        ),
    }
    for control, computed_here in (("near_miss", estimate), ("other_funds", other_funds)):
        assert {key: computed_here[key] for key in independent[control]} == independent[control]
    readme = readme_figures()
    for control, figures in independent.items():
        assert {
            key: f"{float(value):.2f}" if key.endswith("_pp") else value
            for key, value in figures.items()
        } == readme[control], control
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
    # Ten named recipients, then the worst within Monitor's and the TDA's trusts: a cut-off in
    # each group, the named trusts on neither side.
    assert cut["named_recipients_left_out"] == 10 and cut["cut_off_percentage"] is None
    assert {c["ranking"] for c in cut["cut_offs"]} == {"foundation trusts", "NHS trusts"}
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
        # The parent's own page lists its waves' trusts: it does not say it has none.
        (
            "ae-winter-pressures-2013-15",
            "",
            # Only the wave that paid trusts: the 2014-15 wave went to CCGs.
            "reached trusts through its waves, each with its own rule, announcement and "
            "windows: see the impact of A&E winter fund 2013-14: £250m for 53 high-risk "
            "systems, NHS 111 and contingency (ae-winter-2013-14)'",
        ),
        ("ae-winter-2013-14", "before=2013-11-01,2014-03-31&after=2012-11-01,2013-03-31", "before"),
        ("ae-winter-2013-14", "before=2013-01-01", "FROM,TO"),
        ("ae-winter-2013-14", "control=lottery", "control"),
    ],
)
def test_impact_refuses_what_it_cannot_answer(client, computed, slug, query, message):
    response = client.get(f"/api/v1/funds/{slug}/impact/?{query}")
    assert response.status_code == 400
    assert message in str(response.json())


def test_an_analysis_of_every_type_names_the_months_without_figures(client, computed):
    """Every type has no figures in the months the source flags as unusable, so no trust has
    every month; the reason given was "No treated trusts have data in both windows"."""
    body = client.get("/api/v1/funds/ae-winter-2013-14/impact/?type=all").json()
    assert body["error"].startswith(
        "No figures of department type(s) 1, 2, other, total for 2012-05, 2013-03 to 2013-05"
    )


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


def test_the_360giving_export_gives_each_recipient_one_grant_from_a_fund(client, computed):
    """Barts has a published £12.8m and a modelled £12.9m in the first wave's current run;
    with modelled grants asked for, both were listed, and the fund's grants added up to
    £240.8m of a £221m pot. The published figure is what it received, as the pages say."""
    grants = client.get("/api/v1/export/360giving/?basis=all&fund=ae-winter-2013-14").json()[
        "grants"
    ]
    recipients = [g["recipientOrganization"][0]["id"] for g in grants]
    assert len(recipients) == len(set(recipients))
    barts = next(g for g in grants if g["recipientOrganization"][0]["id"] == "GB-NHS-R1H")
    assert barts["amountAwarded"] == 12_800_000
    received = received_by_recipient(fund=Fund.objects.get(slug="ae-winter-2013-14"))
    total = sum(Decimal(str(g["amountAwarded"])) for g in grants)
    assert total == Decimal(sum(entry["pence"] for entry in received.values())) / 100


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


def test_the_second_wave_defaults_clear_the_months_that_chose_who_it_left_out(client, computed):
    """The second wave paid the trusts the first wave's ranking of January to March 2013 left
    out, so those months chose its recipients as well; it was announced on 20 November 2013,
    inside that winter. Its defaults ran the before window over the ranking months (no
    warning) and started the after window before the announcement (a warning about the
    defaults themselves)."""
    url = "/api/v1/funds/ae-winter-second-wave-2013-14/impact/"
    body = client.get(url).json()
    assert body["before"] == {"from": "2011-11-01", "to": "2012-03-31"}
    assert body["after"] == {"from": "2013-12-01", "to": "2014-03-31"}
    assert body["window_warnings"] == []
    chosen = client.get(f"{url}?before=2012-11-01,2013-03-31&after=2013-12-01,2014-03-31").json()
    assert "regression to the mean" in chosen["window_warnings"][0]


def test_a_before_window_over_the_rules_selection_months_is_flagged(client, computed):
    body = client.get("/api/v1/funds/ae-winter-2013-14/impact/?before=2012-11-01,2013-03-31").json()
    assert float(body["estimate"]["ci_low_pp"]) > 0
    assert "regression to the mean" in body["window_warnings"][0]
