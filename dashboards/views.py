import datetime as dt
import json

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render

from api.csv import csv_lines
from funding import rules
from funding import selectors as funding_selectors
from funding.models import Fund
from trusts.selectors import types_parse
from trusts.windows import Window

from . import figures, selectors


def _plain(figure) -> dict:
    """The figure as plain JSON values, ready for json_script."""
    return json.loads(figure.to_json())


def _csv(rows: list[dict], name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def overview(request):
    points = selectors.england_monthly_performance()
    if request.GET.get("format") == "csv":
        return _csv(points, "england-four-hour-performance")
    funds = funding_selectors.funds_with_totals()
    figure = figures.performance_over_time(points, selectors.announcements())
    return render(
        request,
        "dashboards/overview.html",
        {"funds": funds, "points": points, "figure": _plain(figure)},
    )


def league(request):
    errors = {}
    try:
        start = dt.date.fromisoformat(request.GET.get("from", "2013-01-01"))
        end = dt.date.fromisoformat(request.GET.get("to", "2013-03-31"))
        window = Window(start, end)
    except ValueError as error:
        errors["window"] = str(error)
        window = Window(dt.date(2013, 1, 1), dt.date(2013, 3, 31))
    try:
        types = types_parse(request.GET.get("type", "1"))
    except ValueError as error:
        errors["type"] = str(error)
        types = ("1",)
    try:
        limit = max(1, min(int(request.GET.get("limit", 30)), 500))
    except ValueError:
        errors["limit"] = "must be a whole number"
        limit = 30
    rows = selectors.league_rows(window, types, limit)
    if request.GET.get("format") == "csv" and not errors:
        return _csv(rows, f"league-{window.start}-{window.end}")
    return render(
        request,
        "dashboards/league.html",
        {
            "rows": rows,
            "window": window,
            "types": ",".join(types),
            "limit": limit,
            "errors": errors,
            "figure": _plain(figures.league(rows)) if rows else None,
        },
        status=400 if errors else 200,
    )


def funds(request):
    return render(
        request, "dashboards/funds.html", {"funds": funding_selectors.funds_with_totals()}
    )


def fund_detail(request, slug):
    fund = get_object_or_404(
        Fund.objects.select_related("rule", "parent").prefetch_related(
            "sources",
            "status_changes",
            "tranches__conditions",
            "spending_reports__lines",
            "spending_reports__recipient",
        ),
        slug=slug,
    )
    rows = selectors.fund_allocation_rows(fund)
    if request.GET.get("format") == "csv":
        return _csv(rows, f"{fund.slug}-allocations")
    rule = getattr(fund, "rule", None)
    return render(
        request,
        "dashboards/fund_detail.html",
        {
            "fund": fund,
            "rows": rows,
            "rule_words": rules.describe(rule.kind, rule.parameters) if rule else "",
            "runs": fund.runs.all()[:10],
            "totals": funding_selectors.fund_totals(fund),
            "figure": _plain(figures.allocations(rows[:80])) if rows else None,
        },
    )
