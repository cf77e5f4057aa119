"""The months the fetch tests make new or revise, and the landing page that links them."""

import csv
import datetime as dt
import io

from sources.models import SpcSignal
from trusts.models import AdmissionWaits, AEActivity, Grain, SourceFile

from .publisher import shipped

FEBRUARY = dt.date(2026, 2, 1)
FEBRUARY_FILE = "February-2026-CSV-Dl8t54.csv"
JANUARY_FILE = "January-2026-CSV-S6H81b.csv"
JULY = dt.date(2025, 7, 1)
JULY_FIRST = "July-2025-CSV-9jfy4.csv"
JULY_REVISED = "July-2025-CSV-revised.csv"
# Guy's and St Thomas': every month of the last two years has type 1 figures.
TRUST = "RJ1"


def forget(month: dt.date, *names: str) -> None:
    """As if the month had never been imported (nor its signals detected)."""
    AEActivity.objects.filter(grain=Grain.MONTH, period_start=month).delete()
    AdmissionWaits.objects.filter(grain=Grain.MONTH, period_start=month).delete()
    SourceFile.objects.filter(name__in=names).delete()
    SpcSignal.objects.filter(month=month).delete()


def page_with(publisher, *names: str) -> None:
    publisher.landing_page(
        "/ae-2025-26/",
        {f"/files/{name}": f"Monthly A&amp;E {name.split('-CSV')[0]} (CSV)" for name in names},
    )


def february_with_trust_breaching_every_type_1_attendance() -> bytes:
    """February 2026 as NHS England published it, except that every one of TRUST's type 1
    attendances is counted as over four hours: its four-hour performance falls far below its
    process limits (made up for the test, and only in the test)."""
    rows = list(csv.reader(io.StringIO(shipped(FEBRUARY_FILE).decode("utf-8-sig"))))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("Org Code")] == TRUST:
            for kind in ("Type 1", "Booked Appointments Type 1"):
                attendances = row[header.index(f"A&E attendances {kind}")]
                row[header.index(f"Attendances over 4hrs {kind}")] = attendances
    body = io.StringIO()
    csv.writer(body, lineterminator="\n").writerows(rows)
    return body.getvalue().encode()
