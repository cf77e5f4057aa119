"""The admin desk: each rule kind's help in its own words, constraint messages by the field in
the inlines, and status steps and tranche conditions in the fund's one history."""

import html as markup
import re

import pytest
from django.urls import reverse

from funding import rules
from funding.models import Tranche
from tests.admin_forms import admin_form_data, admin_page_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]


def text(html: str) -> str:
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def inline_cell_errors(html: str, name: str) -> list[str]:
    """The errors the admin shows by the inline field with this name: the list Django ties to
    the field (its id, which the field's aria-describedby names), whether the inline is a
    table or stacked."""
    assert f'name="{name}"' in html, f"no field {name}"
    errors = re.search(rf'<ul class="errorlist" id="id_{name}_error">(.*?)</ul>', html, re.S)
    return (
        []
        if errors is None
        else [
            markup.unescape(message) for message in re.findall(r"<li>(.*?)</li>", errors.group(1))
        ]
    )


def history_rows(client, fund) -> list[str]:
    page = client.get(reverse("admin:funding_fund_history", args=[fund.pk])).content.decode()
    return [text(row) for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)]


@pytest.mark.parametrize(
    "url_name", ["admin:funding_allocationrule_change", "admin:funding_fund_preview"]
)
def test_each_rule_kind_is_explained_in_its_own_words(client, fund_admin, winter, url_name):
    client.force_login(fund_admin)
    pk = winter.rule.pk if "allocationrule" in url_name else winter.pk
    page = text(client.get(reverse(url_name, args=[pk])).content.decode())
    for kind in rules.RULE_KINDS:
        assert kind.description in page, kind.key


def test_a_tranche_named_as_another_is_told_so_by_its_name_field(client, fund_admin, winter):
    client.force_login(fund_admin)
    names = list(winter.tranches.values_list("name", flat=True))
    url = reverse("admin:funding_fund_change", args=[winter.pk])
    response = admin_page_post(client, url, "fund_form", {"tranches-0-name": names[-1]})
    assert response.status_code == 200
    html = response.content.decode()
    assert inline_cell_errors(html, "tranches-0-name") == [
        "This fund already has a tranche of this name."
    ]
    assert inline_cell_errors(html, f"tranches-{len(names) - 1}-name") == []
    assert "is violated" not in html and "Please correct the duplicate" not in html
    assert list(winter.tranches.values_list("name", flat=True)) == names


def test_a_new_tranche_with_a_name_already_used_is_told_so_by_its_name_field(
    client, fund_admin, winter
):
    client.force_login(fund_admin)
    url = reverse("admin:funding_fund_change", args=[winter.pk])
    data = admin_form_data(client.get(url).content.decode(), "fund_form")
    count = int(data["tranches-TOTAL_FORMS"])
    new = f"tranches-{count}-"
    response = client.post(
        url,
        {
            **data,
            "tranches-TOTAL_FORMS": str(count + 1),
            f"{new}fund": str(winter.pk),
            f"{new}name": "Contingency",
            f"{new}amount_pence": "1",
            f"{new}missed_condition_policy": Tranche.MissedConditionPolicy.NOT_APPLICABLE,
        },
    )
    assert response.status_code == 200
    assert inline_cell_errors(response.content.decode(), f"{new}name") == [
        "This fund already has a tranche of this name."
    ]
    assert winter.tranches.count() == count


def test_a_status_step_is_in_the_funds_history_with_who(client, fund_admin, winter):
    client.force_login(fund_admin)
    url = reverse("admin:funding_fund_change", args=[winter.pk])
    response = admin_page_post(
        client, url, "fund_form", {"status": "paid", "status_on": "2014-03-31"}
    )
    assert response.status_code == 302, response.context and response.context.get("errors")
    step = next(row for row in history_rows(client, winter) if "Status step “Paid” added" in row)
    assert "bob" in step and "on: 2014-03-31" in step


def test_a_tranche_condition_is_in_the_funds_history_with_who(client, fund_admin, winter):
    tranche = winter.tranches.get(name="Contingency")
    client.force_login(fund_admin)
    url = reverse("admin:funding_tranche_change", args=[tranche.pk])
    data = admin_form_data(client.get(url).content.decode(), "tranche_form")
    response = client.post(
        url,
        {
            **data,
            "conditions-TOTAL_FORMS": "1",
            "conditions-0-tranche": str(tranche.pk),
            "conditions-0-kind": "condition",
            "conditions-0-description": "At least 75% of staff vaccinated against flu",
        },
    )
    assert response.status_code == 302, response.context and response.context.get("errors")
    row = next(
        row
        for row in history_rows(client, winter)
        if "Condition of tranche “Contingency” added" in row
    )
    assert "bob" in row and "At least 75% of staff vaccinated against flu" in row
