"""Scenarios in the admin: add an alternative rule, preview it, make it the fund's model."""

import html as markup
import re

import pytest
from django.urls import reverse

from funding.models import AllocationRule, AllocationRun, Fund, Scenario
from funding.money import format_pounds, pounds_to_pence
from tests.admin_forms import admin_form_data, admin_page_post
from trusts.models import Organisation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]

WINTER_2014_15 = "ae-winter-2014-15"
WORST_50 = "Worst 50 on 2013-14 performance"


def history_rows(client, fund) -> list[str]:
    page = client.get(reverse("admin:funding_fund_history", args=[fund.pk])).content.decode()
    return [" ".join(row.split()) for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)]


def preview_rows(html: str) -> dict[str, list[str]]:
    """The preview table's rows by ODS code: rank, code, name, now, preview, change."""
    rows = re.findall(r"<tr><td>(.*?)</tr>", html.replace("\n", ""), flags=re.S)
    cells = [
        [
            markup.unescape(" ".join(re.sub(r"<[^>]+>", " ", cell).split()))
            for cell in row.split("</td>")
        ]
        for row in rows
    ]
    return {row[1]: row for row in cells}


def scenario_add_post(client, fund, changes: dict):
    """The add page's form, as offered for this fund, posted back with these changes (some
    are checkboxes the page offers unticked, so a browser would not send them)."""
    url = reverse("admin:funding_scenario_add") + f"?fund={fund.pk}"
    offered = admin_form_data(client.get(url).content.decode(), "scenario_form")
    assert offered["fund"] == str(fund.pk)
    return client.post(url, {**offered, **changes})


def test_an_alternative_rule_added_in_the_admin_is_stored_with_its_parameters(
    client, fund_admin, winter
):
    client.force_login(fund_admin)
    window = {name: winter.rule.parameters[name] for name in ("window_from", "window_to")}
    response = scenario_add_post(
        client,
        winter,
        {
            "name": "The 3 worst trusts",
            "kind": "worst_n",
            "worst_n__n": "3",
            "worst_n__total": "£221,000,000",
            "worst_n__share": "equal",
            "worst_n__eligible_kinds": ["trust"],
            "worst_n__department_types": ["1"],
            **{f"worst_n__{name}": value for name, value in window.items()},
        },
    )
    assert response.status_code == 302, response.context and response.context.get("errors")
    scenario = Scenario.objects.get(fund=winter, name="The 3 worst trusts")
    assert scenario.kind == "worst_n" and not scenario.is_current
    assert scenario.parameters == {
        "n": 3,
        "total": "221000000.00",
        "share": "equal",
        "eligible_kinds": ["trust"],
        "department_types": ["1"],
        **window,
    }
    assert AllocationRule.objects.get(fund=winter).version == 1  # the rule is untouched


def test_an_alternative_rule_with_bad_parameters_is_refused_by_field(client, fund_admin, winter):
    client.force_login(fund_admin)
    response = scenario_add_post(
        client,
        winter,
        {"name": "Too much", "kind": "complement", "complement__total": "£300,000,000"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "total: exceeds the fund&#x27;s total of £250,000,000.00" in html
    assert "excluded_funds: is required" in html
    assert not Scenario.objects.filter(fund=winter, name="Too much").exists()


def test_the_scenario_preview_shows_pounds_names_and_the_change_from_now(
    client, fund_admin, winter
):
    fund = Fund.objects.get(slug=WINTER_2014_15)
    scenario = fund.scenarios.get(name=WORST_50)
    client.force_login(fund_admin)
    response = client.get(reverse("admin:funding_scenario_make_current", args=[scenario.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    total = format_pounds(pounds_to_pence(scenario.parameters["total"]))
    assert f"50 recipients, {total} in all" in html
    rows = preview_rows(html)
    names = dict(Organisation.objects.filter(ods_code__in=rows).values_list("ods_code", "name"))
    ranked = [row for row in rows.values() if row[0]]
    assert len(ranked) == 50
    for code, row in rows.items():
        assert row[2] == names[code]  # the name beside the code
        # Nothing is allocated yet, so the change from now is the whole preview.
        assert row[3] == "£0" and row[5] == row[4]


def test_a_scenario_made_current_in_the_admin_becomes_the_rule_with_the_reason_in_the_history(
    client, fund_admin, winter
):
    fund = Fund.objects.get(slug=WINTER_2014_15)
    before = fund.scenarios.get(is_current=True)
    chosen = fund.scenarios.get(name=WORST_50)
    version = fund.rule.version
    runs = set(AllocationRun.objects.values_list("pk", flat=True))
    client.force_login(fund_admin)
    response = admin_page_post(
        client,
        reverse("admin:funding_scenario_make_current", args=[chosen.pk]),
        "make-current-form",
        {"reason": "NHS England named 50 systems in January 2015"},
    )
    assert response.status_code == 302, response.context and response.context.get("form").errors
    rule = AllocationRule.objects.get(fund=fund)
    assert (rule.kind, rule.parameters, rule.version) == (
        chosen.kind,
        chosen.parameters,
        version + 1,
    )
    assert list(fund.scenarios.filter(is_current=True)) == [chosen]
    chosen.refresh_from_db()
    assert chosen.reason == "NHS England named 50 systems in January 2015"
    [run] = AllocationRun.objects.exclude(pk__in=runs)
    assert (run.fund, run.requested_by, run.triggered_by) == (
        fund,
        fund_admin,
        "scenario made current",
    )
    rows = history_rows(client, fund)
    rule_row = next(row for row in rows if f"Rule version {version + 1} changed" in row)
    assert "bob" in rule_row and "NHS England named 50 systems in January 2015" in rule_row
    made = next(row for row in rows if f"Scenario “{WORST_50}” changed" in row)
    assert "is_current: False → True" in made and "bob" in made
    replaced = next(row for row in rows if f"Scenario “{before.name}” changed" in row)
    assert "is_current: True → False" in replaced


def test_a_scenario_is_not_made_current_without_a_reason(client, fund_admin, winter):
    fund = Fund.objects.get(slug=WINTER_2014_15)
    chosen = fund.scenarios.get(name=WORST_50)
    version = fund.rule.version
    client.force_login(fund_admin)
    response = admin_page_post(
        client,
        reverse("admin:funding_scenario_make_current", args=[chosen.pk]),
        "make-current-form",
        {"reason": "  "},
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    chosen.refresh_from_db()
    assert not chosen.is_current
    assert AllocationRule.objects.get(fund=fund).version == version


def test_the_current_scenario_cannot_be_edited_apart_from_the_rule(client, fund_admin, winter):
    fund = Fund.objects.get(slug=WINTER_2014_15)
    current = fund.scenarios.get(is_current=True)
    client.force_login(fund_admin)
    kind = current.kind
    field = next(name for name in ("total", "rate") if name in current.parameters)
    response = admin_page_post(
        client,
        reverse("admin:funding_scenario_change", args=[current.pk]),
        "scenario_form",
        {f"{kind}__{field}": "1.00"},
    )
    assert response.status_code == 200
    assert "change the fund&#x27;s rule instead" in response.content.decode()
    assert Scenario.objects.get(pk=current.pk).parameters == current.parameters


def test_the_fund_page_lists_its_scenarios_with_links(client, fund_admin, winter):
    fund = Fund.objects.get(slug=WINTER_2014_15)
    client.force_login(fund_admin)
    html = client.get(reverse("admin:funding_fund_change", args=[fund.pk])).content.decode()
    assert reverse("admin:funding_scenario_add") + f"?fund={fund.pk}" in html
    for scenario in fund.scenarios.all():
        assert reverse("admin:funding_scenario_change", args=[scenario.pk]) in html
