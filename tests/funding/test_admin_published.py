"""Published allocations entered in the admin, on a fund's page or on their own: the amounts
stay within the fund (or the tranche) they are published for, as an uploaded CSV's must."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from funding.models import AllocationRun, PublishedAllocation
from tests import factories
from tests.admin_forms import admin_page_post, fund_page_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund():
    """£1,000, of which £600 is published for one trust."""
    made = factories.fund("published-in-admin", total_pence=1_000_00)
    factories.published(made, {factories.trust("ZA1"): 600_00})
    return made


def stored(fund) -> list[tuple]:
    return list(
        PublishedAllocation.objects.filter(fund=fund)
        .order_by("pk")
        .values_list("recipient__ods_code", "amount_pence", "tranche")
    )


def test_the_funds_page_refuses_published_amounts_beyond_its_total(client, superuser, fund):
    client.force_login(superuser)
    before = stored(fund)
    url = reverse("admin:funding_fund_change", args=[fund.pk])

    response = admin_page_post(
        client, url, "fund_form", {"published_allocations-0-amount_pence": "1,500"}
    )

    assert response.status_code == 200
    assert "the amounts add up to £1,500.00, more than the £1,000.00 fund" in (
        response.content.decode()
    )
    assert stored(fund) == before


def published_add(client, fund, recipient, amount: str, tranche=None):
    url = reverse("admin:funding_publishedallocation_add")
    data = {
        "fund": fund.pk,
        "recipient": recipient.pk,
        "tranche": tranche.pk if tranche else "",
        "amount_pence": amount,
        "source": "a test",
    }
    return client.post(url, data)


def test_a_published_amount_added_on_its_own_counts_those_already_published(
    client, superuser, fund
):
    client.force_login(superuser)
    before = stored(fund)

    response = published_add(client, fund, factories.trust("ZA2"), "500")

    assert response.status_code == 200
    assert "the amounts add up to £1,100.00, more than the £1,000.00 fund" in (
        response.content.decode()
    )
    assert stored(fund) == before


def test_a_published_amount_is_refused_in_another_funds_tranche(client, superuser, fund):
    client.force_login(superuser)
    elsewhere = factories.tranche(factories.fund(), 100_00, name="Someone else's")

    response = published_add(client, fund, factories.trust("ZA2"), "50", tranche=elsewhere)

    assert response.status_code == 200
    assert "is a tranche of another fund" in response.content.decode()
    assert not PublishedAllocation.objects.filter(tranche=elsewhere).exists()


def test_a_published_amount_added_on_its_own_asks_for_a_recompute(client, superuser, fund):
    client.force_login(superuser)
    factories.rule(fund, "fixed")
    runs = AllocationRun.objects.filter(fund=fund).count()

    response = published_add(client, fund, factories.trust("ZA2"), "400")

    assert response.status_code == 302
    assert AllocationRun.objects.filter(fund=fund).count() == runs + 1


def test_a_tranche_added_on_its_own_stays_within_the_funds_total(client, superuser, fund):
    client.force_login(superuser)
    factories.tranche(fund, 700_00, name="First")
    url = reverse("admin:funding_tranche_add")
    changes = {"fund": str(fund.pk), "name": "Extra", "amount_pence": "500"}

    response = admin_page_post(client, url, "tranche_form", changes)

    assert response.status_code == 200
    assert "The tranches add up to £1,200.00, more than the fund&#x27;s total of £1,000.00" in (
        response.content.decode()
    )
    assert list(fund.tranches.values_list("name", flat=True)) == ["First"]


def test_published_amounts_deleted_from_the_list_ask_for_a_recompute(client, superuser, fund):
    """Deleted one by one they did; deleted by the list's bulk action, the fund kept paying
    them until something else asked for a run."""
    client.force_login(superuser)
    factories.rule(fund, "fixed")
    runs = AllocationRun.objects.filter(fund=fund).count()
    chosen = list(PublishedAllocation.objects.filter(fund=fund).values_list("pk", flat=True))

    response = client.post(
        reverse("admin:funding_publishedallocation_changelist"),
        {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
    )

    assert response.status_code == 302
    assert stored(fund) == []
    assert AllocationRun.objects.filter(fund=fund).count() == runs + 1


def test_a_tranche_changed_on_its_own_page_asks_for_a_recompute(client, superuser, fund):
    client.force_login(superuser)
    factories.rule(fund, "fixed")
    tranche = factories.tranche(fund, 700_00, name="First")
    runs = AllocationRun.objects.filter(fund=fund).count()
    url = reverse("admin:funding_tranche_change", args=[tranche.pk])

    response = admin_page_post(client, url, "tranche_form", {"amount_pence": "800"})

    assert response.status_code == 302, response.context and response.context.get("errors")
    assert AllocationRun.objects.filter(fund=fund).count() == runs + 1


def test_an_upload_for_a_tranche_counts_what_the_rest_of_the_fund_published(client, superuser):
    """Each upload was held to its own tranche alone: £300 for the whole fund, then £600 and
    £400 in tranches of £600 and £400, published £1,300 of a £1,000 fund."""
    client.force_login(superuser)
    fund = factories.fund("published-all-told", total_pence=1_000_00, financial_years=["2013-14"])
    first = factories.tranche(fund, 600_00, name="Q1", financial_year="2013-14")
    second = factories.tranche(fund, 400_00, name="Q2", financial_year="2013-14")
    factories.published(fund, {factories.trust("ZB1"): 300_00})
    factories.published(fund, {factories.trust("ZB2"): 600_00}, tranche=first)
    factories.trust("ZB3")
    url = reverse("admin:funding_fund_upload", args=[fund.pk])
    upload = SimpleUploadedFile("q2.csv", b"ods_code,amount,source\nZB3,400,a letter\n")

    response = client.post(url, {"tranche": second.pk, "file": upload})

    assert "the amounts add up to £1,300.00, more than the £1,000.00 fund" in (
        response.content.decode()
    )
    assert not PublishedAllocation.objects.filter(tranche=second).exists()


def test_the_funds_page_counts_every_tranches_rows_against_the_total(client, superuser):
    client.force_login(superuser)
    fund = factories.fund("published-page-all", total_pence=1_000_00, financial_years=["2013-14"])
    tranche = factories.tranche(fund, 600_00, name="Q1", financial_year="2013-14")
    factories.published(fund, {factories.trust("ZC1"): 500_00})
    factories.published(fund, {factories.trust("ZC2"): 400_00}, tranche=tranche)
    url = reverse("admin:funding_fund_change", args=[fund.pk])
    row = next(
        i
        for i in range(2)
        if client.get(url)
        .content.decode()
        .count(f'name="published_allocations-{i}-tranche" value="{tranche.pk}"')
    )

    response = admin_page_post(
        client, url, "fund_form", {f"published_allocations-{row}-amount_pence": "600"}
    )

    assert response.status_code == 200
    assert "the amounts add up to £1,100.00, more than the £1,000.00 fund" in (
        response.content.decode()
    )


@pytest.mark.parametrize("page", ["tranche", "fund"])
def test_a_tranche_cannot_be_cut_below_what_is_published_in_it(client, superuser, fund, page):
    """On the fund's page it could be, while the tranche's own page refused it."""
    client.force_login(superuser)
    tranche = factories.tranche(fund, 600_00, name="Q1")
    PublishedAllocation.objects.filter(fund=fund).update(tranche=tranche)
    if page == "fund":
        response = fund_page_post(client, fund, {"tranches-0-amount_pence": "100"})
    else:
        url = reverse("admin:funding_tranche_change", args=[tranche.pk])
        response = admin_page_post(client, url, "tranche_form", {"amount_pence": "100"})

    assert response.status_code == 200
    assert "£600.00 is published in Q1, more than £100.00" in response.content.decode()
    tranche.refresh_from_db()
    assert tranche.amount_pence == 600_00


@pytest.mark.parametrize("model", ["tranche", "publishedallocation"])
def test_what_a_fund_reads_stays_with_its_fund_once_saved(client, superuser, fund, model):
    """Moved to another fund, a tranche took the first fund's published rows with it and a
    published amount was counted in both funds: only the new fund was recomputed."""
    client.force_login(superuser)
    tranche = factories.tranche(fund, 600_00, name="Q1")
    obj = tranche if model == "tranche" else PublishedAllocation.objects.get(fund=fund)
    url = reverse(f"admin:funding_{model}_change", args=[obj.pk])

    page = client.get(url).content.decode()

    assert 'name="fund"' not in page
    assert fund.name in page


def test_a_corrected_source_reaches_the_allocations(client, superuser, fund):
    """The run that followed was skipped as 'inputs unchanged': the source was not among the
    inputs, so the API kept saying where the old figure came from."""
    from funding import services

    client.force_login(superuser)
    factories.rule(fund, "fixed")
    factories.run(fund)
    row = PublishedAllocation.objects.get(fund=fund)
    url = reverse("admin:funding_publishedallocation_change", args=[row.pk])

    response = admin_page_post(client, url, "publishedallocation_form", {"source": "HSJ, 2 May"})

    assert response.status_code == 302
    run = services.allocation_run_start(run=AllocationRun.objects.get(fund=fund, status="pending"))
    assert run.status == "succeeded"
    assert "HSJ, 2 May" in run.allocations.get().rationale


def test_an_upload_separated_by_semicolons_is_told_to_use_commas(client, superuser, fund):
    """As a spreadsheet in many locales saves it: it was 'missing columns: ods_code, amount,
    source', which are all there."""
    client.force_login(superuser)
    url = reverse("admin:funding_fund_upload", args=[fund.pk])
    upload = SimpleUploadedFile("list.csv", b"ods_code;amount;source\nZA1;600;a letter\n")

    page = client.post(url, {"file": upload}).content.decode()

    assert "the columns are separated by semicolons: separate them with commas" in page
    assert "missing columns" not in page


def test_an_upload_row_with_more_values_than_the_header_is_refused_and_nothing_saved(
    client, superuser, fund
):
    """An unquoted thousands separator: "ZA1,1,000,a letter" was stored as £1.00 with the source
    "000", and an unquoted comma in a citation cut the citation short, both without a word."""
    client.force_login(superuser)
    factories.trust("ZA2")
    url = reverse("admin:funding_fund_upload", args=[fund.pk])
    upload = SimpleUploadedFile(
        "list.csv", b"ods_code,amount,source\nZA2,50,x\nZA1,1,000,a letter\n"
    )

    page = client.post(url, {"file": upload}).content.decode()

    assert "list.csv:3: row: 4 values, but the header has 3 columns" in page
    assert stored(fund) == [("ZA1", 600_00, None)]


def test_an_upload_with_a_source_too_long_to_keep_is_refused_not_cut(client, superuser, fund):
    client.force_login(superuser)
    url = reverse("admin:funding_fund_upload", args=[fund.pk])
    upload = SimpleUploadedFile("list.csv", b"ods_code,amount,source\nZA1,500," + b"L" * 301)

    page = client.post(url, {"file": upload}).content.decode()

    assert "list.csv:2: source: 301 characters, more than 300: cite it more briefly" in page
    assert stored(fund) == [("ZA1", 600_00, None)]


def test_an_upload_to_a_withdrawn_fund_says_it_is_not_recomputed(client, superuser, fund):
    """It said "recompute requested", and no run came."""
    client.force_login(superuser)
    client.post(
        reverse("admin:funding_fund_changelist"),
        {"action": "withdraw", "_selected_action": [fund.pk]},
    )
    url = reverse("admin:funding_fund_upload", args=[fund.pk])
    upload = SimpleUploadedFile("list.csv", b"ods_code,amount,source\nZA1,500,a letter\n")

    page = client.post(url, {"file": upload}, follow=True).content.decode()

    assert "1 published allocations saved (1 replaced). This fund is withdrawn" in page
    assert "recompute requested" not in page
    assert not AllocationRun.objects.filter(fund=fund).exists()


def test_two_new_rows_for_one_recipient_on_both_footings_are_refused_together(
    client, superuser, fund
):
    """Entered one at a time the second was refused; added in one save both were stored, and
    every later run of the fund failed until someone found and deleted one."""
    client.force_login(superuser)
    tranche = factories.tranche(fund, 300_00, name="Q1")
    recipient = factories.trust("ZA3")
    row = {"recipient": str(recipient.pk), "source": "a letter"}

    response = fund_page_post(
        client,
        fund,
        {},
        added={
            "published_allocations": [
                {**row, "tranche": "", "amount_pence": "5"},
                {**row, "tranche": str(tranche.pk), "amount_pence": "6"},
            ]
        },
    )

    assert response.status_code == 200
    assert "ZA3 is listed both for the whole fund and in Q1" in response.content.decode()
    assert stored(fund) == [("ZA1", 600_00, None)]
