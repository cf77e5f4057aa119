"""The spending page, on a report of its own: money as the rest of the site shows it."""

import csv
import io
import re
from html import unescape

import pytest

from funding.models import SpendingLine, SpendingReport
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    report = SpendingReport.objects.create(
        fund=factories.fund(name="Synthetic top-slice"),
        recipient=factories.organisation("pct", name="Synthetic PCT"),
        period="2010-11",
        allocation_pence=174_000_000_00,
        uncommitted_pence=8_700_000_50,
        source="synthetic",
    )
    SpendingLine.objects.create(report=report, category="Public health", amount_pence=16_000_000_00)
    return report


def test_the_table_shows_pounds_as_the_rest_of_the_site_does(client, report):
    html = client.get("/spending/").content.decode()
    rows = [
        [" ".join(unescape(re.sub(r"<[^>]+>", "", cell)).split()) for cell in cells]
        for cells in (
            re.findall(r"<td\b[^>]*>(.*?)</td>", row, re.DOTALL)
            for row in re.findall(r"<tr>(.*?)</tr>", html, re.DOTALL)
        )
        if cells
    ]

    assert [row[3:6] for row in rows] == [
        ["Public health", "£16,000,000", "9.2"],
        ["Uncommitted", "£8,700,000.50", "5.0"],
    ]


def test_the_csv_keeps_pounds_and_pence_as_numbers(client, report):
    response = client.get("/spending/?format=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert [(row["amount"], row["amount_pence"]) for row in rows] == [
        ("16000000.00", "1600000000"),
        ("8700000.50", "870000050"),
    ]
