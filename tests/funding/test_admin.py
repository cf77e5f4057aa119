"""Admins entering announcements: rule validation, preview, upload, history, permissions."""

import datetime as dt
import json
import re
import time
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from funding import services
from funding.models import Allocation, AllocationRule, AllocationRun, Fund, PublishedAllocation
from funding.money import format_pounds_whole
from tests.admin_forms import admin_page_post, fund_page_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]


RULE_PAGES = {
    # The rule's own admin page, and the rule inline on its fund's page.
    "rule": ("admin:funding_allocationrule_change", "allocationrule_form", ""),
    "fund": ("admin:funding_fund_change", "fund_form", "rule-0-"),
}


def rule_fields(prefix: str, kind: str, parameters: dict) -> dict:
    """The rule form's named fields for these parameters, as a browser would send them."""
    return {
        f"{prefix}{kind}__{name}": (
            value
            if isinstance(value, list)
            else json.dumps(value)
            if isinstance(value, dict)
            else str(value)
        )
        for name, value in parameters.items()
    }


# The winter fund's rule picks 53 trusts as 19 foundation trusts and 34 NHS trusts: 50 need
# quotas that add up to 50 too.
FIFTY = {"n": 50, "quotas": {"foundation_trust": 18, "nhs_trust": 32}}


def rule_page_post(client, fund, page: str, parameters: dict, reason="a test of the rule form"):
    url_name, form_id, prefix = RULE_PAGES[page]
    pk = fund.rule.pk if page == "rule" else fund.pk
    changes = {
        f"{prefix}kind": "worst_n",
        **rule_fields(prefix, "worst_n", parameters),
        f"{prefix}reason": reason,
    }
    return admin_page_post(client, reverse(url_name, args=[pk]), form_id, changes)


@pytest.mark.parametrize("page", sorted(RULE_PAGES))
def test_the_rule_form_names_each_bad_parameter(client, fund_admin, winter, page):
    client.force_login(fund_admin)
    response = rule_page_post(client, winter, page, {"n": 0, "total": "", "near_miss": -1})
    assert response.status_code == 200  # the form again, not a redirect after saving
    html = response.content.decode()
    assert "n: must be at least 1" in html
    assert "near_miss: must be at least 0" in html
    assert "total: is required" in html
    assert AllocationRule.objects.get(fund=winter).parameters["n"] == 53


@pytest.mark.parametrize("page", sorted(RULE_PAGES))
def test_a_parameter_that_is_not_a_number_is_told_so_once(client, fund_admin, winter, page):
    """ "ten" for N read "Enter a whole number." and "n: is required": the field was filled."""
    client.force_login(fund_admin)
    response = rule_page_post(client, winter, page, {"n": "ten"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a whole number." in html
    assert "n: is required" not in html


@pytest.mark.parametrize("page", sorted(RULE_PAGES))
def test_fewer_winners_than_named_recipients_is_refused(client, fund_admin, winter, page):
    """The rule pays every named recipient: N of 1 with ten named paid ten."""
    client.force_login(fund_admin)
    response = rule_page_post(client, winter, page, {"n": 1})
    assert response.status_code == 200
    assert "n: is fewer than the 10 recipients named" in unescape(response.content.decode())
    assert AllocationRule.objects.get(fund=winter).parameters["n"] == 53


@pytest.mark.parametrize("page", sorted(RULE_PAGES))
def test_good_rule_parameters_posted_in_the_admin_are_saved_as_a_new_version(
    client, fund_admin, winter, page
):
    client.force_login(fund_admin)
    response = rule_page_post(client, winter, page, {**FIFTY, "total": "£220,000,000"})
    assert response.status_code == 302, response.context and response.context.get("errors")
    rule = AllocationRule.objects.get(fund=winter)
    assert rule.parameters == {**winter.rule.parameters, **FIFTY, "total": "220000000.00"}


def test_the_preview_shows_allocations_without_saving(client, fund_admin, winter):
    client.force_login(fund_admin)
    runs_before = AllocationRun.objects.count()
    response = admin_page_post(
        client,
        reverse("admin:funding_fund_preview", args=[winter.pk]),
        "preview-form",
        rule_fields(
            "",
            "worst_n",
            # No named recipients, quotas or group totals: the three worst, whoever they are.
            {
                "n": 3,
                "total": "£300",
                "share": "equal",
                "named": "",
                "quotas": "",
                "group_totals": "",
            },
        ),
    )
    assert response.status_code == 200
    assert "3 recipients, £300.00 in all" in response.content.decode()
    assert b"RV8" in response.content
    assert AllocationRun.objects.count() == runs_before
    assert winter.rule.parameters["n"] == 53


def test_an_upload_with_a_bad_row_saves_nothing_and_lists_problems(client, fund_admin, winter):
    client.force_login(fund_admin)
    before = list(PublishedAllocation.objects.filter(fund=winter).values_list("pk", flat=True))
    upload = SimpleUploadedFile(
        "shares.csv",
        b"ods_code,amount,source\nR1H,12800000.00,Standard\nZZZ,1.005,x\nRF4,7000000,\n",
    )
    response = client.post(reverse("admin:funding_fund_upload", args=[winter.pk]), {"file": upload})
    content = response.content.decode()
    assert "shares.csv:3: amount: &#x27;1.005&#x27; has a fraction of a penny" in content
    assert "shares.csv:4: source: is blank" in content
    assert "shares.csv:3: ods_code: &#x27;ZZZ&#x27; is not a known ODS code" in content
    assert (
        list(PublishedAllocation.objects.filter(fund=winter).values_list("pk", flat=True)) == before
    )


def test_an_upload_replaces_the_published_list_and_requests_a_recompute(client, fund_admin, winter):
    client.force_login(fund_admin)
    upload = SimpleUploadedFile("shares.csv", b"ods_code,amount,source\nR1H,12800000.00,Standard\n")
    tranche = winter.tranches.get(name="53 high-risk systems (provisional)")
    response = client.post(
        reverse("admin:funding_fund_upload", args=[winter.pk]),
        {"file": upload, "tranche": tranche.pk},
    )
    assert response.status_code == 302
    assert list(
        PublishedAllocation.objects.filter(fund=winter).values_list(
            "recipient__ods_code", flat=True
        )
    ) == ["R1H"]
    assert AllocationRun.objects.filter(fund=winter, status="pending").exists()
    history = PublishedAllocation.history.filter(fund_id=winter.pk).first()
    assert history.history_change_reason == "Uploaded from shares.csv"


def test_an_upload_that_exceeds_the_fund_is_refused(winter):
    from trusts.importers.base import ImportFailed

    with pytest.raises(ImportFailed, match=r"more than the £250,000,000\.00 fund"):
        services.published_allocations_import(
            fund=winter, content=b"ods_code,amount,source\nR1H,300000000,x\n", file_name="big.csv"
        )


def test_a_new_status_saved_in_the_admin_is_dated_once_and_requests_a_recompute(
    client, fund_admin, winter
):
    from funding.models import FundStatusChange

    client.force_login(fund_admin)
    url = reverse("admin:funding_fund_change", args=[winter.pk])
    assert not winter.status_changes.filter(status=Fund.Status.PAID).exists()
    runs_before = set(AllocationRun.objects.values_list("pk", flat=True))
    for _ in range(2):
        response = admin_page_post(client, url, "fund_form", {"status": Fund.Status.PAID})
        assert response.status_code == 302, response.context and response.context.get("errors")
    paid = FundStatusChange.objects.get(fund=winter, status=Fund.Status.PAID)  # once, not twice
    # Undated, a step takes the announcement's date, not the day of the save.
    assert (paid.on, paid.note) == (dt.date(2013, 9, 10), "set in the admin")
    requested = AllocationRun.objects.exclude(pk__in=runs_before)
    assert [(r.fund_id, r.status, r.triggered_by, r.requested_by.username) for r in requested] == [
        (winter.pk, "pending", "admin save", "bob")
    ] * 2


def test_the_admin_recompute_action_requests_a_run_of_each_chosen_fund(client, fund_admin, winter):
    client.force_login(fund_admin)
    chosen = [winter, Fund.objects.get(slug="emerging-ccgs-winter-2011-12")]
    runs_before = set(AllocationRun.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("admin:funding_fund_changelist"),
        {"action": "recompute", "_selected_action": [fund.pk for fund in chosen]},
    )
    assert response.status_code == 302
    requested = AllocationRun.objects.exclude(pk__in=runs_before)
    assert {(r.fund_id, r.status, r.triggered_by, r.requested_by.username) for r in requested} == {
        (fund.pk, "pending", "admin action", "bob") for fund in chosen
    }


@pytest.mark.parametrize("page", sorted(RULE_PAGES))
def test_a_rule_edited_in_the_admin_is_a_new_version_with_who_and_why_in_the_fund_history(
    client, fund_admin, winter, page
):
    client.force_login(fund_admin)
    response = rule_page_post(client, winter, page, FIFTY, reason="HSJ list names 50 systems")
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert AllocationRule.objects.get(fund=winter).version == 2
    history = client.get(reverse("admin:funding_fund_history", args=[winter.pk]))
    rows = [
        " ".join(row.split())
        for row in re.findall(r"<tr>(.*?)</tr>", history.content.decode(), flags=re.S)
    ]
    edit = next(row for row in rows if "Rule version 2 changed" in row)
    assert "bob" in edit
    assert "HSJ list names 50 systems" in edit
    assert "&quot;n&quot;: 50" in edit  # the whole parameters, not a truncated diff


def test_a_rule_change_without_a_reason_is_refused(client, fund_admin, winter):
    client.force_login(fund_admin)
    response = rule_page_post(client, winter, "fund", FIFTY, reason="")
    assert response.status_code == 200
    assert "Say why the rule changes" in response.content.decode()
    assert AllocationRule.objects.get(fund=winter).version == 1


@pytest.mark.parametrize("persona", ["analyst", "outsider"])
def test_readers_cannot_reach_the_admin_upload(client, request, persona, winter):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:funding_fund_upload", args=[winter.pk]))
    assert response.status_code == 302  # to the admin login: not staff
    assert "/admin/login/" in response["Location"]


def test_a_new_status_is_dated_as_the_admin_says(client, fund_admin, winter):
    client.force_login(fund_admin)
    url = reverse("admin:funding_fund_change", args=[winter.pk])
    changes = {"status": Fund.Status.PAID, "status_on": "2014-03-31"}
    response = admin_page_post(client, url, "fund_form", changes)
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert winter.status_changes.get(status=Fund.Status.PAID).on == dt.date(2014, 3, 31)


# --- The values being saved are checked together: fund, tranches and rule -----------------


def stored(fund):
    """What the database holds for the fund: the figures a refused POST must leave alone."""
    fund.refresh_from_db()
    return (
        fund.total_pence,
        list(fund.tranches.values_list("name", "amount_pence")),
        (fund.rule.version, fund.rule.parameters),
        list(fund.runs.values_list("pk", "status")),
    )


def test_the_total_is_entered_in_pounds_with_or_without_separators(client, fund_admin, winter):
    client.force_login(fund_admin)
    page = client.get(reverse("admin:funding_fund_change", args=[winter.pk])).content.decode()
    assert 'value="250,000,000.00"' in page  # shown in pounds, not pence
    for typed, pence in (("£251,000,000", 25_100_000_000), ("252000000.50", 25_200_000_050)):
        response = fund_page_post(client, winter, {"total_pence": typed})
        assert response.status_code == 302, response.context and response.context.get("errors")
        winter.refresh_from_db()
        assert winter.total_pence == pence


@pytest.mark.parametrize(
    "total, message",
    [
        ("1000000000000.01", "is more than £1,000,000,000,000"),
        ("12.345", "has a fraction of a penny"),
        ("-5", "is negative"),
        ("lots", "is not an amount in pounds"),
        # Python's own number syntax is not how anyone writes money: refused, not read.
        ("1e6", "is not an amount in pounds"),
        ("1_000_000", "is not an amount in pounds"),
        ("1,00,000", "write 100000, without separators"),
        (".5", "is not an amount in pounds"),
        ("+5", "is not an amount in pounds"),
    ],
)
def test_a_total_that_is_not_pounds_and_pence_is_a_form_error(
    client, fund_admin, winter, total, message
):
    client.force_login(fund_admin)
    before = stored(winter)
    response = fund_page_post(client, winter, {"total_pence": total})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert stored(winter) == before


def test_a_total_below_the_rule_and_the_tranches_is_refused(client, fund_admin, winter):
    client.force_login(fund_admin)
    before = stored(winter)
    response = fund_page_post(client, winter, {"total_pence": "200,000,000"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "total: exceeds the fund&#x27;s total of £200,000,000.00" in html
    assert "The tranches add up to £250,000,000.00, more than the fund&#x27;s total" in html
    assert stored(winter) == before


def test_tranches_adding_up_to_more_than_the_total_are_refused(client, fund_admin, winter):
    client.force_login(fund_admin)
    before = stored(winter)
    response = fund_page_post(client, winter, {"tranches-0-amount_pence": "25,000,000"})
    assert response.status_code == 200
    assert "The tranches add up to £260,000,000.00" in response.content.decode()
    assert stored(winter) == before


def current_allocations(fund):
    return sorted(
        AllocationRun.objects.get(fund=fund, is_current=True).allocations.values_list(
            "recipient__ods_code", "amount_pence"
        )
    )


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"eligible_kinds": ["ccgs"]}, "Select a valid choice. ccgs is not one of"),
        (
            {"window_from": "2001-01-01", "window_to": "2001-03-31"},
            "This rule cannot run on the data stored now: The rule selects nobody",
        ),
    ],
)
def test_a_rule_that_would_select_nobody_is_refused_and_allocations_stay(
    client, fund_admin, winter_allocated, bad, message
):
    winter = winter_allocated
    client.force_login(fund_admin)
    allocations, before = current_allocations(winter), stored(winter)
    assert len(allocations) > 50
    response = rule_page_post(client, winter, "fund", bad, reason="typo test")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert stored(winter) == before
    assert current_allocations(winter) == allocations


def test_a_run_of_a_rule_that_selects_nobody_fails_and_keeps_the_allocations(winter_allocated):
    winter = winter_allocated
    allocations = current_allocations(winter)
    # A rule stored before this check existed, or by a path other than the admin.
    AllocationRule.objects.filter(fund=winter).update(
        parameters={
            **winter.rule.parameters,
            "window_from": "2001-01-01",
            "window_to": "2001-03-31",
        }
    )
    run = services.allocation_run_start(
        run=services.fund_recompute_request(fund=winter, triggered_by="test")
    )
    assert run.status == "failed"
    assert "The rule selects nobody" in run.error
    assert current_allocations(winter) == allocations


def upload(client, fund, content: bytes, tranche=None):
    data = {"file": SimpleUploadedFile("shares.csv", content)}
    if tranche:
        data["tranche"] = tranche.pk
    return client.post(reverse("admin:funding_fund_upload", args=[fund.pk]), data)


def test_a_header_only_upload_is_refused_and_keeps_the_list(client, fund_admin, winter):
    client.force_login(fund_admin)
    before = list(PublishedAllocation.objects.filter(fund=winter).values_list("pk", flat=True))
    assert len(before) == 2
    response = upload(client, winter, b"ods_code,amount,source\n")
    assert response.status_code == 200
    assert "shares.csv: file: has no rows: nothing replaced" in response.content.decode()
    assert list(PublishedAllocation.objects.filter(fund=winter).values_list("pk", flat=True)) == (
        before
    )


def test_an_upload_of_absurd_amounts_is_listed_quickly_not_a_server_error(
    client, fund_admin, winter
):
    client.force_login(fund_admin)
    started = time.monotonic()
    response = upload(
        client,
        winter,
        b"ods_code,amount,source\nR1H,1" + b"0" * 100_000 + b",x\nRF4,1e999990,x\n",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "shares.csv:2: amount: &#x27;10000000000000000000...&#x27; is more than £1,000,000,000,000"
        in html
    )
    assert "shares.csv:3: amount: &#x27;1e999990&#x27; is not an amount in pounds" in html
    assert time.monotonic() - started < 5  # a guard against the 31 s seen, not a speed goal


def test_every_seed_fund_can_be_opened_and_saved_unchanged(client, fund_admin, winter):
    client.force_login(fund_admin)
    for fund in Fund.objects.order_by("pk"):
        before = stored_fund(fund)
        response = fund_page_post(client, fund, {})
        assert response.status_code == 302, (fund.slug, response.context["errors"])
        assert stored_fund(fund) == before, fund.slug


def test_a_fund_with_a_rule_is_not_sent_a_blank_rule_to_add_and_one_without_is(
    client, fund_admin, winter
):
    """A fund has one rule. The admin sent a blank one as well, every kind's parameters again
    (103 of the winter fund's 402 fields), for an "add another" its one-rule limit hides."""
    client.force_login(fund_admin)
    with_rule = client.get(reverse("admin:funding_fund_change", args=[winter.pk])).content
    assert b'name="rule-0-kind"' in with_rule
    assert b'name="rule-__prefix__-kind"' not in with_rule
    ruleless = Fund.objects.filter(rule__isnull=True).first()
    without = client.get(reverse("admin:funding_fund_change", args=[ruleless.pk])).content
    assert b'name="rule-__prefix__-kind"' in without
    assert b'name="rule-0-kind"' not in without


def stored_fund(fund):
    fund.refresh_from_db()
    rule = getattr(fund, "rule", None)
    return (
        [getattr(fund, f.attname) for f in Fund._meta.fields if f.name != "updated_at"],
        list(fund.tranches.values_list("name", "amount_pence", "financial_year")),
        (rule.kind, rule.version, rule.parameters) if rule else None,
        list(fund.published_allocations.values_list("recipient_id", "amount_pence", "tranche")),
    )


def test_the_population_dates_offered_are_those_stored_and_a_wrong_one_names_them(
    client, fund_admin, winter
):
    fund = Fund.objects.get(slug="emerging-ccgs-winter-2011-12")
    client.force_login(fund_admin)
    before = stored_fund(fund)
    page = client.get(reverse("admin:funding_fund_change", args=[fund.pk])).content.decode()
    select = re.search(
        r'name="rule-0-per_capita__population_date".*?</select>', page, flags=re.S
    ).group(0)
    assert '<option value="2015-10-01" selected>2015-10-01 (registered)</option>' in select
    response = fund_page_post(
        client,
        fund,
        {"rule-0-per_capita__population_basis": "resident", "rule-0-reason": "ONS counts"},
    )
    assert response.status_code == 200
    assert (
        "No resident population is dated 2015-10-01; the dates stored are 2012-06-30, "
        in response.content.decode()
    )
    assert stored_fund(fund) == before


def test_a_population_date_before_any_ccg_opened_says_so(client, fund_admin, winter):
    """Mid-2012 resident populations are stored, but CCGs opened on 1 April 2013: the rule
    said no CCG "has the figures it reads", which sent an admin looking for missing data."""
    fund = Fund.objects.get(slug="emerging-ccgs-winter-2011-12")
    client.force_login(fund_admin)
    before = stored_fund(fund)
    response = fund_page_post(
        client,
        fund,
        {
            "rule-0-per_capita__population_basis": "resident",
            "rule-0-per_capita__population_date": "2012-06-30",
            "rule-0-reason": "ONS counts",
        },
    )
    assert response.status_code == 200
    assert (
        "No organisation of the eligible kinds (ccg) was open on the population date, "
        "30 June 2012: the first opened on 1 April 2013"
    ) in unescape(response.content.decode())
    assert stored_fund(fund) == before


# --- The fund's change page: runs, preview, upload, recompute ------------------------------


def test_the_change_page_shows_the_latest_runs_and_how_they_ended(
    client, fund_admin, winter_allocated
):
    winter = winter_allocated
    AllocationRule.objects.filter(fund=winter).update(
        parameters={
            **winter.rule.parameters,
            "window_from": "2001-01-01",
            "window_to": "2001-03-31",
        }
    )
    services.allocation_run_start(
        run=services.fund_recompute_request(fund=winter, triggered_by="test")
    )
    client.force_login(fund_admin)
    page = client.get(reverse("admin:funding_fund_change", args=[winter.pk])).content.decode()
    runs = re.search(r'id="fund-runs">(.*?)</fieldset>', page, flags=re.S).group(1)
    text = " ".join(re.sub(r"<[^>]+>", " ", runs).split())
    assert "Failed, so the previous allocations stay current: The rule selects nobody" in text
    assert "Succeeded: 53 recipients, £221,000,000.00 modelled (current)" in text
    for name in ("funding_fund_preview", "funding_fund_upload", "funding_fund_recompute"):
        assert reverse(f"admin:{name}", args=[winter.pk]) in page


def test_the_recompute_button_requests_a_run(client, fund_admin, winter):
    client.force_login(fund_admin)
    response = client.post(reverse("admin:funding_fund_recompute", args=[winter.pk]))
    assert response.status_code == 302
    run = AllocationRun.objects.get(fund=winter)
    assert (run.status, run.triggered_by, run.requested_by.username) == (
        "pending",
        "admin button",
        "bob",
    )


def test_the_preview_shows_pounds_names_and_the_change_from_now(
    client, fund_admin, winter_allocated
):
    winter = winter_allocated
    client.force_login(fund_admin)
    url = reverse("admin:funding_fund_preview", args=[winter.pk])
    response = admin_page_post(
        client,
        url,
        "preview-form",
        {"worst_n__n": "52", "worst_n__quotas": '{"foundation_trust": 19, "nhs_trust": 33}'},
    )
    rows = {
        cells[1]: cells
        for cells in (
            [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in row.split("</td>")]
            for row in re.findall(
                r"<tr><td>(.*?)</tr>", response.content.decode().replace("\n", ""), flags=re.S
            )
        )
    }
    now = dict(current_allocations(winter))
    assert len(rows) == 53  # the 52 chosen, and the one that would lose its share
    # 52 chosen (ranked within their group, London's named trusts whatever their rank)
    assert sum(1 for cells in rows.values() if cells[0]) == 52
    rv8 = rows["RV8"]
    assert rv8[2] and rv8[2] != "RV8"  # a name, not only the code
    assert rv8[3] == format_pounds_whole(now["RV8"])  # now, in pounds
    lost = next(cells for cells in rows.values() if cells[4] == "£0")
    assert lost[3] == format_pounds_whole(now[lost[1]])
    assert lost[5] == format_pounds_whole(-now[lost[1]])
    assert winter.rule.parameters["n"] == 53


def test_a_mistyped_fund_id_gives_a_clear_not_found_page(client, fund_admin, winter):
    client.force_login(fund_admin)
    for name in ("funding_fund_preview", "funding_fund_upload", "funding_fund_recompute"):
        response = client.get(reverse(f"admin:{name}", args=[99999]))
        assert response.status_code == 404
        assert "No fund has the id 99999" in response.content.decode()


# --- Withdrawing and deleting ----------------------------------------------------------


LISTINGS = (
    "/funds/",
    "/api/v1/funds/",
    "/api/v1/allocations/?format=csv",
    "/api/v1/export/360giving/",
)


def listed_in(client, fund) -> dict[str, bool]:
    """Which current views and exports name the fund."""
    listed = {}
    for url in LISTINGS:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        listed[url] = fund.slug in body.decode()
    return listed


def test_a_withdrawn_fund_keeps_its_history_and_leaves_current_views_and_exports(
    client, fund_admin, winter_allocated
):
    winter = winter_allocated
    client.force_login(fund_admin)
    assert listed_in(client, winter) == dict.fromkeys(LISTINGS, True)
    runs = list(winter.runs.values_list("pk", flat=True))
    kept = Allocation.objects.filter(fund=winter).count()
    response = client.post(
        reverse("admin:funding_fund_changelist"),
        {"action": "withdraw", "_selected_action": [winter.pk]},
    )
    assert response.status_code == 302
    winter.refresh_from_db()
    assert winter.status == Fund.Status.WITHDRAWN
    assert winter.status_changes.get(status=Fund.Status.WITHDRAWN).note.startswith("withdrawn")
    # The record stays: every run and allocation, and the history says so.
    assert list(winter.runs.values_list("pk", flat=True)) == runs
    assert Allocation.objects.filter(fund=winter).count() == kept
    history = client.get(reverse("admin:funding_fund_history", args=[winter.pk])).content.decode()
    assert "status: allocated → withdrawn" in history
    # Out of the pages, the API lists and the exports.
    assert listed_in(client, winter) == dict.fromkeys(LISTINGS, False)
    # And a recompute cannot bring it back by the back door.
    assert services.fund_recompute_request(fund=winter, triggered_by="test") is None


def test_a_fund_that_had_runs_offers_no_delete_and_says_why(client, superuser, winter_allocated):
    winter = winter_allocated
    client.force_login(superuser)
    page = client.get(reverse("admin:funding_fund_change", args=[winter.pk])).content.decode()
    assert reverse("admin:funding_fund_delete", args=[winter.pk]) not in page
    assert "cannot be deleted: its allocations and history would go with it" in page
    response = client.get(reverse("admin:funding_fund_delete", args=[winter.pk]), follow=True)
    assert "Withdraw it instead" in response.content.decode()
    assert Fund.objects.filter(pk=winter.pk).exists()
    changelist = client.get(reverse("admin:funding_fund_changelist")).content.decode()
    assert 'value="delete_selected"' not in changelist


def test_a_fund_that_never_ran_can_be_deleted(client, superuser, winter):
    fund = Fund.objects.get(slug="east-of-england-pathway-hubs")
    assert not fund.runs.exists()
    client.force_login(superuser)
    response = client.post(reverse("admin:funding_fund_delete", args=[fund.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Fund.objects.filter(pk=fund.pk).exists()


# --- Constraint messages, by the field at fault -------------------------------------------


def field_errors(html: str, field: str) -> list[str]:
    """The error messages the admin shows in the row of this field."""
    row = re.search(rf'<div class="form-row[^"]*field-{field}\b.*?</div>\s*</div>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", row.group(0)) if row else []


def test_a_fund_made_its_own_wave_is_told_so_by_the_parent_field(client, fund_admin, winter):
    client.force_login(fund_admin)
    response = fund_page_post(client, winter, {"parent": str(winter.pk)})
    assert response.status_code == 200
    html = response.content.decode()
    assert field_errors(html, "parent") == [
        "A fund cannot be a wave of itself: choose another parent."
    ]
    assert "is violated" not in html


def test_every_constraint_has_a_message_in_words():
    from django.apps import apps

    defaults = {
        name: constraint.get_violation_error_message()
        for model in apps.get_app_config("funding").get_models()
        for constraint in model._meta.constraints
        for name in [constraint.name]
        if constraint.violation_error_message == constraint.default_violation_error_message
    }
    assert defaults == {}


def test_a_published_amount_below_zero_is_refused_by_its_field_in_words(client, fund_admin, winter):
    client.force_login(fund_admin)
    before = stored_fund(winter)
    response = fund_page_post(client, winter, {"published_allocations-0-amount_pence": "-1"})
    assert response.status_code == 200
    html = response.content.decode()
    cell = re.search(
        r'<td class="field-amount_pence">((?:(?!</td>).)*name="published_allocations-0-amount_pence'
        r".*?)</td>",
        html,
        flags=re.S,
    ).group(1)
    assert "&#x27;-1&#x27; is negative" in cell
    assert "is violated" not in html
    assert stored_fund(winter) == before
