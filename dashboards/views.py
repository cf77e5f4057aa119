from collections.abc import Sequence

from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from datacache.decorators import cached_until_data_changes
from funding import rules
from funding import selectors as funding_selectors
from funding.models import Fund
from impact import rows as analysis_rows
from impact import selectors as impact_selectors
from impact import stats
from lib.csv_output import csv_lines
from trusts.models import DepartmentType, Organisation
from trusts.selectors import (
    WEEK_RULE,
    months_covered,
    not_ranked,
    weeks_answer,
    window_gaps,
)
from trusts.selectors import regions as region_names
from trusts.summaries import ENGLAND_CODE
from trusts.windows import Window

from . import figures, forms, selectors


def _gaps(window, types) -> dict:
    gaps = window_gaps(window, types)
    return {"months_without_figures": gaps.without_figures, "months_in_part": gaps.in_part}


def _chart(figure) -> str:
    """The figure's JSON as plotly writes it (with orjson), for the chart_script filter: read
    back into Python values for json_script to write again, the scatter of 1,500 trusts took
    8 ms of /performance/ at 10x England."""
    return figure.to_json()


def _csv(rows: list[dict], name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# A page of funds at a time, so that the overview and the funds page cost the same however many
# funds have been announced: each fund's totals are summed from its current allocations.
FUNDS_PER_PAGE = 50


def _funds_page(number):
    return Paginator(funding_selectors.funds_with_totals(), FUNDS_PER_PAGE).get_page(number)


# The months in which 14 trusts in the Clinical Review of Standards field test reported no
# four-hour breaches (the gap-fill data's NOTES.md): England's figures leave them out.
FIELD_TEST = ("2019-05", "2020-03")


@cached_until_data_changes
def overview(request):
    points = selectors.monthly_performance()
    if request.GET.get("format") == "csv":
        return _csv(points, "england-four-hour-performance")
    figure = figures.performance_over_time(points, selectors.announcements())
    return render(
        request,
        "dashboards/overview.html",
        {
            "page": _funds_page(1),
            "points": points,
            "figure": _chart(figure),
            "field_test": any(
                FIELD_TEST[0] <= p["label"] <= FIELD_TEST[1] and p["attendances"] for p in points
            ),
        },
    )


@cached_until_data_changes
def league(request):
    form = forms.LeagueForm(request.GET, regions=region_names())
    if not form.is_valid():
        # A refused filter shows its errors and nothing else: no results for other filters.
        return render(
            request, "dashboards/league.html", {"form": form, "week_rule": WEEK_RULE}, status=400
        )
    data = form.cleaned_data
    window, types = data["window"], data["type"]
    regions = [data["region"]] if data["region"] else None
    rows = selectors.league_rows(window, types, data["limit"], regions=regions)
    funnel_limits, funnel_rows = _funnel(window, types, data["overdispersion"])
    if request.GET.get("format") == "csv":
        if request.GET.get("chart") == "funnel":
            return _csv(funnel_rows, f"funnel-{window.start}-{window.end}")
        return _csv(rows, f"league-{window.start}-{window.end}")
    return render(
        request,
        "dashboards/league.html",
        {
            "form": form,
            "rows": rows,
            "window": window,
            "types": ", ".join(DepartmentType(code).label for code in types),
            "region": data["region"],
            "limit": data["limit"],
            "figure": _chart(figures.league(rows)) if rows else None,
            "funnel_rows": funnel_rows,
            "funnel_method": funnel_limits.get("method", ""),
            "week_rule": WEEK_RULE,
            **_gaps(window, types),
            "not_ranked": not_ranked(window, types=types, regions=regions),
            "funnel_figure": (
                _chart(figures.funnel(funnel_limits, funnel_rows)) if funnel_rows else None
            ),
        },
    )


def _funnel(window: Window, types, overdispersion: str) -> tuple[dict, list[dict]]:
    try:
        limits, rows = impact_selectors.trust_funnel(
            window, types=types, overdispersion=overdispersion
        )
    except impact_selectors.ImpactUnavailable:
        return {}, []
    return (
        {
            "attendances": limits.denominators,
            "lower_998": limits.lower_998,
            "lower_95": limits.lower_95,
            "upper_95": limits.upper_95,
            "upper_998": limits.upper_998,
            "national_mean": limits.national_mean,
            "method": limits.method,
        },
        analysis_rows.funnel_rows(rows),
    )


@cached_until_data_changes
def funds(request):
    return render(request, "dashboards/funds.html", {"page": _funds_page(request.GET.get("page"))})


def _impact(fund: Fund, form: forms.ImpactForm) -> dict:
    """Both comparisons side by side, and the event study's rows, for the fund page."""
    if not form.is_valid():
        return {"error": "Fix the windows below to see the analysis."}
    try:
        result = impact_selectors.fund_impact(
            fund,
            before=form.window("before"),
            after=form.window("after"),
            types=form.cleaned_data["type"],
        )
    except impact_selectors.ImpactUnavailable as error:
        return {"error": str(error)}
    event_rows = [
        {"comparison": comparison.control, **row}
        for comparison in result.comparisons
        for row in analysis_rows.event_study_rows(result, comparison)
    ]
    series = [
        (f"Against {c.description}", [r for r in event_rows if r["comparison"] == c.control])
        for c in result.comparisons
        if c.event_study
    ]
    return {
        "result": result,
        "method": stats.method_text("trust"),
        "week_rule": WEEK_RULE,
        "event_rows": event_rows,
        "figure": _chart(figures.event_study(series)) if series else None,
    }


@cached_until_data_changes
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
    scenarios, scenario_changes = selectors.scenario_comparison(fund)
    impact_form = forms.ImpactForm(request.GET)
    has_trusts = any(r["kind"] == "trust" for r in rows)
    impact = _impact(fund, impact_form) if has_trusts else {}
    if impact.get("result"):
        impact_form = impact_form.filled(
            before=impact["result"].before, after=impact["result"].after
        )
    if request.GET.get("format") == "csv":
        if request.GET.get("chart") == "event-study":
            return _csv(impact.get("event_rows", []), f"{fund.slug}-event-study")
        if request.GET.get("chart") == "scenarios":
            return _csv(scenario_changes, f"{fund.slug}-scenarios")
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
            "figure": _chart(figures.allocations(rows)) if rows else None,
            "impact": impact,
            "impact_form": impact_form,
            "scenarios": scenarios,
            "scenario_changes": scenario_changes,
            "group_totals": selectors.group_total_rows(fund),
            "formed_later": funding_selectors.recipients_formed_later(fund),
        },
    )


@cached_until_data_changes
def performance(request):
    form = forms.PerformanceForm(request.GET, regions=region_names())
    context = {"form": form}
    if form.is_valid():
        data = form.cleaned_data
        region = data["region"]
        england, footprints = selectors.funding_against_performance(
            fund=data["fund"],
            before=data["before"],
            after=data["after"],
            types=data["type"],
            region=None,
        )
        rows = [r for r in england if r["region"] == region] if region else england
        shown = {r["ods_code"] for r in rows}
        if request.GET.get("format") == "csv":
            return _csv(rows, "funding-against-performance")
        gaps = {name: window_gaps(data[name], data["type"]) for name in ("before", "after")}
        totals = [selectors.performance_total(england, "England")]
        if region:
            totals.insert(0, selectors.performance_total(rows, region))
        context |= {
            "rows": rows,
            "totals": totals,
            "fund": data["fund"],
            "region": region,
            "after": data["after"],
            "footprints": [note for note in footprints if note.unit in shown],
            "months_without_figures": [
                f"{run} ({name})" for name in gaps for run in gaps[name].without_figures
            ],
            "months_in_part": [f"{month}, {name}" for name in gaps for month in gaps[name].in_part],
            "months_covered": None if rows else months_covered(data["type"]),
            "window_warnings": (
                impact_selectors.window_warnings(data["fund"], data["before"], data["after"])
                if data["fund"]
                else ()
            ),
            "figure": (
                _chart(
                    figures.funding_scatter(
                        rows, y=data["y"], x=data["x"], one_fund=data["fund"] is not None
                    )
                )
                if rows
                else None
            ),
        }
    return render(
        request,
        "dashboards/performance.html",
        context,
        status=200 if form.is_valid() else 400,
    )


ORGANISATIONS_PER_PAGE = 100


@cached_until_data_changes
def trusts(request):
    form = forms.TrustsForm(request.GET, regions=region_names())
    rows, page = [], None
    if form.is_valid():
        organisations = selectors.organisation_directory(
            kind=form.cleaned_data["kind"],
            region=form.cleaned_data["region"] or None,
            search=form.cleaned_data["q"].strip(),
        )
        if request.GET.get("format") == "csv":
            return _csv(
                selectors.directory_rows(organisations),
                f"organisations-{form.cleaned_data['kind']}",
            )
        page = Paginator(organisations, ORGANISATIONS_PER_PAGE).get_page(request.GET.get("page"))
        rows = selectors.directory_rows(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboards/trusts.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "query": query.urlencode(),
            "elsewhere": (
                _found_elsewhere(form, query)
                if page is not None and not page.paginator.count
                else []
            ),
        },
        status=200 if form.is_valid() else 400,
    )


def _found_elsewhere(form: forms.TrustsForm, query) -> list[dict]:
    """For a search that finds none of the kind chosen: the other kinds it finds, each with
    the link that lists them."""
    search = form.cleaned_data["q"].strip()
    if not search:
        return []
    counts = selectors.found_among_kinds(region=form.cleaned_data["region"] or None, search=search)
    elsewhere = []
    for kind, label in form.fields["kind"].choices:
        if counts.get(kind):
            link = query.copy()
            link["kind"] = kind
            elsewhere.append({"label": label, "count": counts[kind], "query": link.urlencode()})
    return elsewhere


@cached_until_data_changes
def trust_detail(request, code):
    if code.upper() == ENGLAND_CODE:
        # England's figures are the overview's; its own code holds published shares only.
        return redirect("dashboards:overview", permanent=True)
    try:
        organisation = selectors.organisation_profile(code.upper())
    except Organisation.DoesNotExist:
        raise Http404(f"No organisation has the ODS code {code!r}") from None
    form = forms.TrustForm(request.GET)
    points = selectors.monthly_performance([organisation.ods_code])
    received = selectors.allocations_received(organisation.ods_code)
    spc_rows, spc_error, peers, spc_chart, decile_rows, spc_sources = [], "", [], None, [], []
    if form.is_valid():
        window = form.cleaned_data["window"]
        peers = selectors.peers(organisation, window) if points else []
        if points and organisation.kind == Organisation.Kind.TRUST:
            decile_rows = selectors.trust_against_deciles(organisation.ods_code, window)
        if points:
            try:
                spc_chart = impact_selectors.organisation_spc(
                    organisation.ods_code,
                    window,
                    types=form.cleaned_data["type"],
                    by=form.cleaned_data["by"],
                    baseline=form.cleaned_data["baseline"],
                    change_at=[
                        label.strip()
                        for label in form.cleaned_data["change_at"].split(",")
                        if label.strip()
                    ],
                )
                spc_rows = analysis_rows.spc_rows(spc_chart)
                spc_sources = _spc_sources(points, spc_rows, form.cleaned_data["type"])
            except impact_selectors.ImpactUnavailable as error:
                spc_error = str(error)
    chart = request.GET.get("chart")
    if request.GET.get("format") == "csv":
        chosen = {"spc": spc_rows, "funds": received, "deciles": decile_rows}.get(chart, points)
        return _csv(chosen, f"{organisation.ods_code}-{chart or 'performance'}")
    markers = [{"month": r["month"], "label": r["fund"]} for r in received]
    return render(
        request,
        "dashboards/trust_detail.html",
        {
            "organisation": organisation,
            "former_names": selectors.former_names(organisation),
            "changes": selectors.changes(organisation),
            "form": form,
            "points": points,
            "received": received,
            "peers": peers,
            "spc_rows": spc_rows,
            "spc_error": spc_error,
            "spc_chart": spc_chart,
            "performance_figure": (
                _chart(figures.performance_over_time(points, markers)) if points else None
            ),
            "decile_rows": decile_rows,
            "decile_summary": selectors.deciles_summary(decile_rows, organisation.name),
            "decile_figure": (
                _chart(figures.deciles(decile_rows, organisation.ods_code)) if decile_rows else None
            ),
            "spc_figure": (_chart(figures.spc(spc_rows, spc_sources)) if spc_rows else None),
        },
    )


def _spc_sources(points: list[dict], spc_rows: list[dict], types: Sequence[str]) -> list[str]:
    """The sources of the figures each period of the SPC chart was built from, read from the
    monthly series of its measure (type 1, or every type for any other choice)."""
    series = "1" if weeks_answer(types) else "all"
    wanted = {(row["period"][:7], series) for row in spc_rows}
    return sorted(
        {
            source
            for p in points
            if (p["label"], p["types"]) in wanted
            for source in p["sources"].split("; ")
            if source
        }
    )


@cached_until_data_changes
def spending(request):
    reports, lines = selectors.spending_rows()
    if request.GET.get("format") == "csv":
        return _csv(lines, "spending-by-category")
    return render(
        request,
        "dashboards/spending.html",
        {
            "reports": reports,
            "lines": lines,
            "figure": _chart(figures.spending(lines)) if lines else None,
        },
    )


def glossary(request):
    return render(request, "dashboards/glossary.html")
