"""Rows for each chart, one set of queries per page."""

import datetime as dt

from funding import selectors as funding_selectors
from funding.models import Fund
from trusts.models import Grain
from trusts.selectors import ALL_TYPES, league_table, performance_series
from trusts.windows import Window


def england_monthly_performance() -> list[dict]:
    """All-type performance by month where monthly files exist, type 1 by month before."""
    everything = Window(dt.date(2010, 1, 1), dt.date(2030, 12, 31))
    weekly = performance_series(everything, types=["1"], grain=Grain.WEEK, by="month")
    monthly = performance_series(everything, types=ALL_TYPES, grain=Grain.MONTH, by="month")
    return [
        {
            "label": p.label,
            "types": types,
            "attendances": p.attendances,
            "over_4h": p.over_4h,
            "percent": p.percent,
        }
        for points, types in ((weekly, "1"), (monthly, "all"))
        for p in points
    ]


def announcements() -> list[dict]:
    return [
        {"month": f"{fund.announced_on:%Y-%m}", "label": fund.name[:40], "slug": fund.slug}
        for fund in Fund.objects.order_by("announced_on")
    ]


def league_rows(window: Window, types, limit: int) -> list[dict]:
    rows = league_table(window, types=types, limit=limit)
    funded = funding_selectors.funds_received_by([r.ods_code for r in rows])
    return [
        {
            "rank": r.rank,
            "ods_code": r.ods_code,
            "name": r.name,
            "attendances": r.attendances,
            "over_4h": r.over_4h,
            "percent": r.percent,
            "funds": funded.get(r.ods_code, []),
        }
        for r in rows
    ]


def fund_allocation_rows(fund: Fund) -> list[dict]:
    return [
        {
            "ods_code": a.recipient.ods_code,
            "name": a.recipient.name,
            "basis": a.basis,
            "pounds": a.amount_pence / 100,
            "amount_pence": a.amount_pence,
            "rank": a.rank,
            "intermediary": a.intermediary.ods_code if a.intermediary else "",
            "rationale": a.rationale,
        }
        for a in funding_selectors.current_allocations(fund=fund).order_by(
            "basis", "rank", "-amount_pence"
        )
    ]
