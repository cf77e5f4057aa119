"""The months the fetch tests make new or revise, and the landing page that links them."""

import datetime as dt

from trusts.models import AdmissionWaits, AEActivity, Grain, SourceFile

FEBRUARY = dt.date(2026, 2, 1)
FEBRUARY_FILE = "February-2026-CSV-Dl8t54.csv"
JANUARY_FILE = "January-2026-CSV-S6H81b.csv"
JULY = dt.date(2025, 7, 1)
JULY_FIRST = "July-2025-CSV-9jfy4.csv"
JULY_REVISED = "July-2025-CSV-revised.csv"


def forget(month: dt.date, *names: str) -> None:
    """As if the month had never been imported."""
    AEActivity.objects.filter(grain=Grain.MONTH, period_start=month).delete()
    AdmissionWaits.objects.filter(grain=Grain.MONTH, period_start=month).delete()
    SourceFile.objects.filter(name__in=names).delete()


def page_with(publisher, *names: str) -> None:
    publisher.landing_page(
        "/ae-2025-26/",
        {f"/files/{name}": f"Monthly A&amp;E {name.split('-CSV')[0]} (CSV)" for name in names},
    )
