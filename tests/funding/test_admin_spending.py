"""A spending report entered in the admin reconciles as a seed file's must: a financial year,
no more uncommitted or spent than the allocation, each category once (whatever its case)."""

import pytest
from django.urls import reverse

from funding.models import SpendingReport
from tests import factories

pytestmark = pytest.mark.django_db


def report_add(client, fund, recipient, changes: dict, lines: list[tuple[str, str]]):
    data = {
        "fund": fund.pk,
        "recipient": recipient.pk,
        "period": "2013-14",
        "allocation_pence": "100",
        "uncommitted_pence": "",
        "source": "a test",
        "source_url": "",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        **{
            f"lines-{i}-{field}": value
            for i, (category, amount) in enumerate(lines)
            for field, value in (("category", category), ("amount_pence", amount), ("note", ""))
        },
        **changes,
    }
    return client.post(reverse("admin:funding_spendingreport_add"), data)


@pytest.mark.parametrize(
    ("changes", "lines", "message"),
    [
        ({"period": "banana"}, [], "must be a financial year such as 2015-16"),
        ({"uncommitted_pence": "500"}, [], "is more than the allocation of £100.00"),
        ({}, [("Extra beds", "1000")], "add up to £1,000.00, more than the allocation of £100.00"),
        (
            {},
            [("Extra beds", "10"), ("extra beds", "5")],
            "&#x27;extra beds&#x27; is listed 2 times",
        ),
        # Both faults at once: the second used to hide the first.
        (
            {},
            [("Beds", "100"), ("beds", "5")],
            "&#x27;beds&#x27; is listed 2 times; add up to £105.00, more than the allocation",
        ),
    ],
)
def test_a_report_that_cannot_reconcile_is_refused_by_name(
    client, superuser, changes, lines, message
):
    client.force_login(superuser)
    fund = factories.fund("spent")
    response = report_add(client, fund, factories.trust("ZS1"), changes, lines)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SpendingReport.objects.filter(fund=fund).exists()


def test_a_report_that_reconciles_is_saved(client, superuser):
    client.force_login(superuser)
    fund = factories.fund("spent-well")
    response = report_add(
        client, fund, factories.trust("ZS2"), {"uncommitted_pence": "20"}, [("Beds", "80")]
    )
    assert response.status_code == 302
    assert SpendingReport.objects.get(fund=fund).lines.count() == 1


def test_on_the_funds_page_a_reports_allocation_cannot_fall_below_its_lines(client, superuser):
    """The report's own page refused £40 against £80 of lines; the fund's page saved it."""
    from tests.admin_forms import fund_page_post

    client.force_login(superuser)
    fund = factories.fund("spent-on-the-fund-page")
    report_add(client, fund, factories.trust("ZS3"), {}, [("Staff", "50"), ("Beds", "30")])

    response = fund_page_post(client, fund, {"spending_reports-0-allocation_pence": "40"})

    assert response.status_code == 200
    assert "Its spending lines add up to £80.00, more than the allocation of £40.00" in (
        response.content.decode()
    )
    assert SpendingReport.objects.get(fund=fund).allocation_pence == 100_00


def test_the_funds_page_shows_each_reports_notes_lines_and_source(client, superuser):
    """Reports whose figures are in their notes read as empty headings on the fund's page,
    while /spending/ showed the notes."""
    client.force_login(superuser)
    fund = factories.fund("spent-and-said")
    report_add(
        client,
        fund,
        factories.trust("ZS4"),
        {"notes": "About a third on public health.", "source": "HSJ, 2011"},
        [("Beds", "80")],
    )
    client.logout()

    page = client.get("/funds/spent-and-said/").content.decode()
    section = page[page.index("Spending reported by") : page.index("Allocation runs")]

    assert "About a third on public health." in section
    assert "<th>Category</th><th>Amount</th><th>Note</th>" in section
    assert "<td>Allocation reported</td><td>£100</td>" in section
    assert "Source: HSJ, 2011" in section
