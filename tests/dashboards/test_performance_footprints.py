"""The performance page across a merger and across months without figures: a trust whose
hospitals moved between the windows is one footprint in both, with the money of every trust in
it, and a window with months no figures cover says which."""

import datetime as dt
import re

import pytest

from tests import factories
from tests.html import csv_rows

pytestmark = pytest.mark.django_db

WINDOWS = "before_from=2013-01-01&before_to=2013-03-31&after_from=2014-01-01&after_to=2014-01-31"


@pytest.fixture
def merged():
    """ZM2 is taken over by ZM1 in October 2013, between the windows; ZM3 carries on alone.
    Both ZM1 and ZM2 were paid."""
    taker, taken, alone = (factories.trust(code, region="ZMR") for code in ("ZM1", "ZM2", "ZM3"))
    factories.ae_months(
        {
            **{(taker, dt.date(2013, m, 1)): (1_000, 100) for m in (1, 2, 3)},
            **{(taken, dt.date(2013, m, 1)): (1_000, 300) for m in (1, 2, 3)},
            **{(alone, dt.date(2013, m, 1)): (1_000, 50) for m in (1, 2, 3)},
            (taker, dt.date(2014, 1, 1)): (2_000, 200),
            (alone, dt.date(2014, 1, 1)): (1_000, 50),
        }
    )
    factories.succession(taken, taker, dt.date(2013, 10, 1))
    fund = factories.fixed_fund({taker: 100_00, taken: 50_00}, slug="merged-money")
    factories.run(fund)
    return fund


def rows(client, query: str) -> dict[str, dict]:
    return csv_rows(client, f"/performance/?{query}&format=csv", codes_starting="ZM")


def test_a_trust_that_took_over_another_is_one_footprint_with_both_trusts_money(client, merged):
    got = rows(client, f"fund=merged-money&region=ZMR&{WINDOWS}")

    assert set(got) == {"ZM1", "ZM3"}
    footprint = got["ZM1"]
    # Before: ZM1 and ZM2 together, 6,000 attendances and 1,200 over 4 hours (80%); after,
    # the merged trust's 2,000 and 200 (90%): +10 points, not ZM1's own 90% to 90%.
    assert (footprint["attendances_before"], footprint["over_4h_before"]) == ("6000", "1200")
    assert (footprint["percent_before"], footprint["percent_after"]) == ("80.00", "90.00")
    assert footprint["received"] == "150.00"
    assert footprint["merged_with"] == "ZM2"


def test_the_page_names_the_merger_and_counts_the_money_of_the_trust_that_closed(client, merged):
    page = client.get(f"/performance/?fund=merged-money&region=ZMR&{WINDOWS}").content.decode()

    assert "ZM2 (acquired by ZM1 on 1 Oct 2013)" in page
    totals = page[page.index('id="totals"') :]
    assert "£150" in totals[: totals.index("</tr>", totals.index("ZMR"))]


def test_a_window_with_months_without_figures_names_them(client):
    """All types before April 2016 come from a source with months it flags as suspect (March
    to May 2013): a before window of January to May 2013 was two months, and said nothing. Here
    in months no real figures reach, so the national data, if imported, holds none of them."""
    trust = factories.trust("ZM4", region="ZMR")
    factories.ae_months(
        {(trust, dt.date(2031, m, 1)): (1_000, 100) for m in (1, 4)}
        | {(trust, dt.date(2032, 1, 1)): (1_000, 100)}
    )
    page = client.get(
        "/performance/?fund=&region=ZMR&before_from=2031-01-01&before_to=2031-04-30"
        "&after_from=2032-01-01&after_to=2032-01-31"
    ).content.decode()

    note = page[page.index('id="months-without-figures"') :][:500]
    assert "2031-02 to 2031-03 (before)" in note


def test_windows_without_figures_say_so_and_draw_no_empty_chart(client):
    page = client.get(
        "/performance/?fund=&before_from=2040-01-01&before_to=2040-03-31"
        "&after_from=2041-01-01&after_to=2041-03-31"
    ).content.decode()

    assert 'id="chart-scatter"' not in page
    assert "No trust has A&amp;E figures in the after window (1 Jan 2041 to 31 Mar 2041)" in page


def test_windows_without_figures_say_where_figures_of_those_types_are(client):
    """It said "November 2010 onwards" whatever the types: type 2 and other departments'
    figures start later. Here figures of type 2 in 2031 alone, unless the national data set
    is in the test database too."""
    factories.ae_month(factories.trust("ZM0"), dt.date(2031, 6, 1), 500, 5, department_type="2")
    page = client.get(
        "/performance/?fund=&type=2&before_from=2040-01-01&before_to=2040-03-31"
        "&after_from=2041-01-01&after_to=2041-03-31"
    ).content.decode()

    assert re.search(r"Figures of these department types run from \w+ \d{4} to June 2031", page)
    assert "November 2010 onwards" not in page


def test_the_change_is_worked_from_the_counts_not_from_two_rounded_percentages(client):
    """RA2's real counts for winter 2011-12 and 2013-14: 94.862% before and 94.0865% after, a
    change of -0.7758 points, which is -0.78; the difference of the two rounded percentages
    (94.09 - 94.86) said -0.77. The region's total is worked the same way."""
    trust = factories.trust("ZM5", region="ZMQ")
    factories.ae_months(
        {
            (trust, dt.date(2031, 1, 1)): (25_128, 1_291),
            (trust, dt.date(2032, 1, 1)): (25_687, 1_519),
        }
    )
    query = (
        "fund=&region=ZMQ&before_from=2031-01-01&before_to=2031-01-31"
        "&after_from=2032-01-01&after_to=2032-01-31"
    )

    row = rows(client, query)["ZM5"]
    page = client.get(f"/performance/?{query}").content.decode()

    assert (row["percent_before"], row["percent_after"]) == ("94.86", "94.09")
    assert row["change_points"] == "-0.78"
    totals = page[page.index('id="totals"') :]
    region_total = totals[totals.index("ZMQ") : totals.index("</tr>", totals.index("ZMQ"))]
    assert "<td>-0.78</td>" in region_total


def test_a_footprint_is_named_as_one_and_is_a_foundation_trust_only_if_all_its_trusts_are(
    client, merged
):
    """South London Healthcare's footprint was plotted as "King's College Hospital NHS
    Foundation Trust", a foundation trust paid £11.4m: King's got nothing from the fund; the
    money was its two NHS trust partners'."""
    from trusts.models import FoundationTrustStatus, Organisation

    taker = Organisation.objects.get(ods_code="ZM1")
    FoundationTrustStatus.objects.create(
        organisation=taker, authorised_on=dt.date(2010, 4, 1), source="synthetic"
    )

    footprint = rows(client, f"fund=merged-money&region=ZMR&{WINDOWS}")["ZM1"]

    assert footprint["name"] == f"{taker.name} (with ZM2)"
    assert footprint["foundation_trust"] == "False"


def test_a_fund_that_paid_no_trust_shown_says_so(client):
    """The 2014-15 winter fund paid CCGs: every trust showed "none from this fund" on a chart
    of zeros, with no word why."""
    trust = factories.trust("ZM8", region="ZMP")
    factories.ae_months({(trust, dt.date(year, 1, 1)): (1_000, 100) for year in (2031, 2032)})
    fund = factories.fixed_fund({factories.ccg("ZM9"): 100_00}, slug="paid-ccgs")
    factories.run(fund)

    page = client.get(
        "/performance/?fund=paid-ccgs&region=ZMP&before_from=2031-01-01&before_to=2031-01-31"
        "&after_from=2032-01-01&after_to=2032-01-31"
    ).content.decode()

    note = page[page.index('id="no-trust-paid"') :][:400]
    assert "No trust shown received money from" in note


def test_money_per_1000_attendances_says_which_attendances(client, merged):
    page = client.get(f"/performance/?fund=merged-money&region=ZMR&{WINDOWS}").content.decode()

    assert "<th>Per 1,000 attendances after</th>" in page
    assert "attendances of the department types chosen in the after window" in page


def test_the_data_table_escapes_what_it_shows_and_keeps_the_fund_chosen(client):
    """The data table's rows and the fund select are written outside Django's templates' own
    escaping (dashboards/templatetags/tables.py, LongSelect): a name holding markup must still
    read as text, and the fund chosen must still be the one selected."""
    trust = factories.trust("ZM7", name="Smith & <b>Jones</b>", region="ZMR")
    factories.ae_months(
        {(trust, dt.date(2013, m, 1)): (1_000, 100) for m in (1, 2, 3)}
        | {(trust, dt.date(2014, 1, 1)): (2_000, 100)}
    )
    fund = factories.fixed_fund({trust: 1_234_567_89}, slug="markup-fund", name="Fund <i>&</i>")
    factories.run(fund)

    page = client.get(f"/performance/?fund=markup-fund&region=ZMR&{WINDOWS}").content.decode()

    row = page[page.index('<tr><td><a href="/trusts/ZM7/">') :]
    assert row[: row.index("</tr>") + 5] == (
        '<tr><td><a href="/trusts/ZM7/">ZM7</a></td><td>Smith &amp; &lt;b&gt;Jones&lt;/b&gt;</td>'
        "<td>ZMR</td><td>no</td><td>—</td><td>£1,234,567.89</td><td>£617,283.95</td>"
        "<td>90.00</td><td>95.00</td><td>5.00</td>"
        '<td><a href="/funds/markup-fund/">Fund &lt;i&gt;&amp;&lt;/i&gt;</a></td></tr>'
    )
    assert '<option value="markup-fund" selected>Fund &lt;i&gt;&amp;&lt;/i&gt;</option>' in page
    assert "<b>Jones" not in page and "<i>&" not in page
