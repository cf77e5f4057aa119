"""Plotly figures from plain rows: no ORM, no request."""

from __future__ import annotations  # `-> go.Figure` would import plotly as this module loads

import datetime as dt
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from funding.money import format_pounds_short
from lib.lazy import lazy_import

if TYPE_CHECKING:
    import plotly.graph_objects as go
else:
    go = lazy_import("plotly.graph_objects")  # at the first chart drawn: lib.lazy says why

NHS_BLUE = "#005eb8"
NHS_RED = "#d5281b"
NHS_GREEN = "#007f3b"
NHS_GREY = "#768692"
NHS_DARK = "#330072"
LAYOUT = {"margin": {"l": 60, "r": 20, "t": 30, "b": 50}, "height": 420, "hovermode": "closest"}
# Under the plot, across: a legend at the side took half a phone's width from the plot.
LEGEND_BELOW = {"orientation": "h", "y": -0.2}


def _latest(points: Sequence[dict]) -> str:
    return max((p["label"] for p in points if p["percent"] is not None), default="none")


def performance_over_time(points: Sequence[dict], announcements: Sequence[dict]) -> go.Figure:
    """Four-hour performance by month, type 1 and all types as separate lines, with the 95%
    standard and the funds marked. A month without a figure breaks its line (no joining
    across gaps); the title names the sources and the latest month."""
    figure = go.Figure()
    for measure, colour in (("1", NHS_BLUE), ("all", NHS_DARK)):
        chosen = [p for p in points if p["types"] == measure]
        if not any(p["percent"] is not None for p in chosen):
            continue
        figure.add_trace(
            go.Scatter(
                x=[p["label"] for p in chosen],
                y=[None if p["percent"] is None else float(p["percent"]) for p in chosen],
                mode="lines",
                connectgaps=False,
                line={"color": colour},
                text=[p["sources"] for p in chosen],
                name=chosen[0]["series"],
                hovertemplate="%{x}: %{y:.2f}%<br>%{text}",
            )
        )
    sources = sorted({s for p in points for s in p["sources"].split("; ") if s})
    figure.update_layout(title=_sources_title(_latest(points), sources), legend=LEGEND_BELOW)
    # The funds are marked by a dotted line each and a triangle at the top that names them on
    # hover, never by text on the chart: nine labels in a few years overlapped into a block.
    by_month: dict[str, list[str]] = {}
    for a in announcements:
        by_month.setdefault(a["month"], []).append(a["label"])
    if by_month:
        figure.add_trace(
            go.Scatter(
                x=list(by_month),
                y=[100] * len(by_month),
                mode="markers",
                name="Fund announced (hover for its name)",
                marker={"symbol": "triangle-down", "size": 11, "color": NHS_GREY},
                text=["<br>".join(labels) for labels in by_month.values()],
                hovertemplate="%{x|%b %Y}<br>%{text}<extra></extra>",
            )
        )
    # Shapes go in as one list: adding them one by one (add_vline) copies the layout each
    # time, which made a page with hundreds of funds take seconds.
    standard = {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 95, "y1": 95}
    figure.update_layout(
        shapes=[
            {**standard, "line": {"color": NHS_RED, "dash": "dash"}},
            *(
                {
                    "type": "line",
                    "yref": "paper",
                    "x0": month,
                    "x1": month,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": NHS_GREY, "dash": "dot"},
                }
                for month in by_month
            ),
        ],
        annotations=[
            {
                "xref": "paper",
                "x": 1,
                "y": 95,
                "text": "95% standard",
                "showarrow": False,
                "xanchor": "right",
                "yanchor": "bottom",
            },
        ],
    )
    figure.update_layout(
        **{**LAYOUT, "height": 520, "margin": _top_margin(sources)},
        yaxis_title="% within 4 hours",
        xaxis_title="Month",
    )
    return figure


def league(rows: Sequence[dict]) -> go.Figure:
    """Worst first, funded trusts in a different colour.

    Bars are labelled by ODS code on the axis and by name inside the bar, so the chart keeps
    its width for bars on a phone; a name that does not fit is left to the hover and the table.
    """
    figure = go.Figure(
        go.Bar(
            x=[float(r["percent"]) for r in rows],
            y=[r["ods_code"] for r in rows],
            text=[r["name"] for r in rows],
            textposition="inside",
            insidetextanchor="start",
            textangle=0,
            insidetextfont={"color": "white", "size": 13},
            orientation="h",
            marker_color=[NHS_RED if r["funds"] else NHS_BLUE for r in rows],
            hovertext=[_league_hover(r) for r in rows],
            hoverinfo="x+text",
        )
    )
    figure.add_vline(x=95, line_dash="dash", line_color=NHS_RED)
    figure.update_layout(
        **{**LAYOUT, "height": max(420, 28 * len(rows))},
        xaxis_title="% within 4 hours",
        yaxis={"autorange": "reversed", "type": "category"},
        # Plotly shrinks a name that does not fit its bar, to 6 pixels on a phone: hidden
        # instead below 10, every name shown at one size.
        uniformtext={"minsize": 10, "mode": "hide"},
    )
    return figure


def _league_hover(row: dict) -> str:
    funds = "; ".join(str(fund) for fund in row["funds"])
    if not funds:
        return f"{row['name']}: no fund"
    received = row.get("received_pence")
    return f"{row['name']}: {format_pounds_short(received) if received else ''} from {funds}"


def allocations(rows: Sequence[dict]) -> go.Figure:
    figure = go.Figure()
    for basis, colour in (("modelled", NHS_BLUE), ("published", NHS_RED)):
        chosen = [r for r in rows if r["basis"] == basis]
        if chosen:
            figure.add_trace(
                go.Bar(
                    x=[r["ods_code"] for r in chosen],
                    y=[float(r["amount"]) for r in chosen],
                    name=basis.capitalize(),
                    marker_color=colour,
                    text=[r["name"] for r in chosen],
                    textposition="none",
                    hovertemplate="%{text} (%{x})<br>£%{y:,.2f}<extra>%{fullData.name}</extra>",
                )
            )
    figure.update_layout(
        **LAYOUT, barmode="group", yaxis_title="Allocated (£)", xaxis_title="Recipient (ODS code)"
    )
    return figure


def _optional(values) -> list[float | None]:
    return [None if v is None else float(v) for v in values]


def funding_scatter(rows: Sequence[dict], *, y: str, x: str, one_fund: bool) -> go.Figure:
    """Each trust a point: money received against performance (or its change); colour says
    funded or not (by the one fund chosen, or by any), the symbol foundation trust or not."""
    paid = ("From this fund", "Not from this fund") if one_fund else ("Funded", "Not funded")
    y_key, y_title = {
        "after": ("percent_after", "% within 4 hours, after"),
        # Two lines: on one, the title ran past the top of a phone's chart.
        "change": ("change_points", "Change in % within 4 hours<br>(points, after − before)"),
    }[y]
    x_key, x_title = {
        "total": ("received", "Funding received (£)"),
        "per_1000": (
            "received_per_1000_attendances",
            "Funding per 1,000 attendances in the after window (£)",
        ),
    }[x]
    figure = go.Figure()
    for funded, colour in ((True, NHS_RED), (False, NHS_BLUE)):
        for ft, symbol in ((True, "diamond"), (False, "circle")):
            chosen = [r for r in rows if bool(r["funds"]) == funded and r["foundation_trust"] == ft]
            if not chosen:
                continue
            figure.add_trace(
                go.Scatter(
                    x=[float(r[x_key]) for r in chosen],
                    y=_optional(r[y_key] for r in chosen),
                    mode="markers",
                    name=f"{paid[0] if funded else paid[1]}, "
                    f"{'foundation trust' if ft else 'NHS trust'}",
                    marker={"color": colour, "symbol": symbol, "size": 9, "opacity": 0.8},
                    text=[f"{r['name']} ({r['ods_code']})" for r in chosen],
                    hovertemplate="%{text}<br>%{x:,.0f}<br>%{y:.2f}<extra></extra>",
                )
            )
    if y == "after":
        figure.add_hline(y=95, line_dash="dash", line_color=NHS_RED)
    else:
        figure.add_hline(y=0, line_color=NHS_GREY)
    figure.update_layout(**LAYOUT, xaxis_title=x_title, yaxis_title=y_title, legend=LEGEND_BELOW)
    return figure


def event_study(series: Sequence[tuple[str, Sequence[dict]]]) -> go.Figure:
    """Funded-minus-control gap by month, with 95% intervals, one line per comparison."""
    figure = go.Figure()
    for (label, points), colour in zip(series, (NHS_BLUE, NHS_DARK), strict=False):
        figure.add_trace(
            go.Scatter(
                x=[p["months_from_announcement"] for p in points],
                y=[float(p["gap_pp"]) for p in points],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [float(p["ci_high_pp"]) - float(p["gap_pp"]) for p in points],
                    "arrayminus": [float(p["gap_pp"]) - float(p["ci_low_pp"]) for p in points],
                },
                mode="lines+markers",
                # Wrapped: one line of a long comparison ran off a phone's chart.
                name=_wrapped(label, 40),
                line={"color": colour},
            )
        )
    figure.add_hline(y=0, line_color=NHS_GREY)
    figure.add_vline(x=0, line_dash="dot", line_color=NHS_RED, annotation_text="Announced")
    figure.update_layout(
        **LAYOUT,
        legend=LEGEND_BELOW,
        xaxis_title="Months from the announcement",
        yaxis_title="Funded minus control (points)",
    )
    return figure


def _sources_title(latest: str, sources: Sequence[str]) -> dict:
    """A chart's latest figure and its sources, one source a line (a chart is too narrow
    for them all on one)."""
    listed = "".join(f"<br><sup>{source}</sup>" for source in sources)
    return {
        "text": f"Latest figure: {latest}. Sources:{listed}",
        "font": {"size": 13},
        "x": 0.01,
        "xanchor": "left",
        "yref": "container",
        "y": 1,
        "yanchor": "top",
        "pad": {"t": 16},
    }


def _top_margin(sources: Sequence[str]) -> dict:
    return {**LAYOUT["margin"], "t": 60 + 14 * len(sources)}


def spc(rows: Sequence[dict], sources: Sequence[str] = ()) -> go.Figure:
    """XmR chart: the series, its mean and process limits, special causes marked; the title
    names the latest period and the sources."""
    labels = [r["period"] for r in rows]
    rows = _with_gaps(rows)
    x = [r["period"] for r in rows]
    figure = go.Figure(
        go.Scatter(
            x=x,
            y=_optional(r["percentage"] for r in rows),
            mode="lines+markers",
            connectgaps=False,
            name="% within 4 hours",
            line={"color": NHS_GREY},
            marker={
                "color": [
                    {"improvement": NHS_BLUE, "concern": "#ed8b00"}.get(r["direction"], NHS_GREY)
                    for r in rows
                ],
                "size": 7,
            },
            text=[(r["special_cause"] or "common cause").replace("_", " ") for r in rows],
            hovertemplate="%{x}: %{y:.2f}% (%{text})<extra></extra>",
        )
    )
    for key, name, dash in (
        ("mean", "Mean", "solid"),
        ("upper_limit", "Upper limit", "dash"),
        ("lower_limit", "Lower limit", "dash"),
    ):
        figure.add_trace(
            go.Scatter(
                x=x,
                y=_optional(r[key] for r in rows),
                mode="lines",
                connectgaps=False,
                name=name,
                line={"color": NHS_DARK if key == "mean" else NHS_GREY, "dash": dash},
            )
        )
    figure.update_layout(
        **{**LAYOUT, "margin": _top_margin(sources)},
        title=_sources_title(labels[-1] if labels else "none", sources),
        yaxis_title="% within 4 hours",
        legend=LEGEND_BELOW,
    )
    return figure


def _with_gaps(rows: Sequence[dict]) -> list[dict]:
    """The rows with an empty point wherever a period is missing, so no line joins over it."""
    gapped: list[dict] = []
    for row in rows:
        previous = gapped[-1] if gapped else None
        if previous and "end" in row and row["start"] > previous["end"] + dt.timedelta(days=1):
            empty = dict.fromkeys(("percentage", "mean", "upper_limit", "lower_limit"))
            gapped.append(
                {
                    **empty,
                    "period": (previous["end"] + dt.timedelta(days=1)).isoformat(),
                    "special_cause": "",
                    "direction": "",
                }
            )
        gapped.append(row)
    return gapped


def funnel(limits: dict, rows: Sequence[dict]) -> go.Figure:
    """Performance against attendances with 95% and 99.8% limits around England's figure."""
    figure = go.Figure()
    for key, name, dash in (
        ("lower_998", "99.8% limits", "dot"),
        ("upper_998", None, "dot"),
        ("lower_95", "95% limits", "dash"),
        ("upper_95", None, "dash"),
    ):
        figure.add_trace(
            go.Scatter(
                x=limits["attendances"],
                y=limits[key],
                mode="lines",
                name=name or "",
                showlegend=name is not None,
                line={"color": NHS_GREY, "dash": dash},
                hoverinfo="skip",
            )
        )
    figure.add_hline(
        y=limits["national_mean"],
        line_color=NHS_DARK,
        annotation_text="national mean",
        annotation_position="top left",
    )
    for beyond, name, colour in (
        (False, "Trusts within the 95% limits", NHS_BLUE),
        (True, "Trusts beyond the 95% limits", NHS_RED),
    ):
        chosen = [r for r in rows if bool(r["beyond"]) == beyond]
        figure.add_trace(
            go.Scatter(
                x=[r["attendances"] for r in chosen],
                y=[float(r["percentage"]) for r in chosen],
                mode="markers",
                name=name,
                marker={"color": colour, "size": 8},
                text=[f"{r['name']} ({r['ods_code']})" for r in chosen],
                hovertemplate="%{text}<br>%{x:,} attendances, %{y:.2f}%<extra></extra>",
            )
        )
    figure.update_layout(
        **LAYOUT, xaxis_title="Attendances", yaxis_title="% within 4 hours", legend=LEGEND_BELOW
    )
    return figure


def spending(lines: Sequence[dict]) -> go.Figure:
    figure = go.Figure()
    for recipient in dict.fromkeys(r["recipient"] for r in lines):
        chosen = [r for r in lines if r["recipient"] == recipient]
        figure.add_trace(
            go.Bar(
                x=[float(r["amount"]) for r in chosen],
                y=[_wrapped(r["category"]) for r in chosen],
                name=recipient,
                orientation="h",
            )
        )
    # The categories' own width, in lines of a few words: a margin wide enough for the longest
    # category on one line left a phone no room for bars.
    figure.update_layout(
        **LAYOUT,
        barmode="group",
        xaxis_title="£",
        yaxis={"autorange": "reversed", "automargin": True},
        legend=LEGEND_BELOW,
    )
    return figure


def _wrapped(label: str, width: int = 24) -> str:
    """A label in lines of at most `width` characters (a longer word on a line of its own)."""
    return "<br>".join(textwrap.wrap(label, width)) or label


def deciles(rows: Sequence[dict], name: str) -> go.Figure:
    """A trust's four-hour performance month by month against the national deciles: the
    median solid, the other deciles dashed, the trust in red (as OpenPrescribing draws it)."""
    months = [r["month"] for r in rows]
    figure = go.Figure()
    for decile in range(10, 100, 10):
        figure.add_trace(
            go.Scatter(
                x=months,
                y=[float(r[f"p{decile}"]) for r in rows],
                mode="lines",
                name="Median" if decile == 50 else f"{decile}th percentile",
                legendgroup="deciles",
                showlegend=decile in (10, 50),
                line={"color": NHS_BLUE, "dash": "solid" if decile == 50 else "dash", "width": 1},
                hovertemplate=f"{decile}th percentile: %{{y:.1f}}%<extra></extra>",
            )
        )
    figure.update_traces(selector={"name": "10th percentile"}, name="Deciles (10th to 90th)")
    figure.add_trace(
        go.Scatter(
            x=months,
            y=_optional(r["percent"] for r in rows),
            mode="lines+markers",
            name=name,
            line={"color": NHS_RED, "width": 3},
            hovertemplate=f"{name}: %{{y:.1f}}%<extra></extra>",
        )
    )
    figure.update_layout(
        **{**LAYOUT, "hovermode": "x unified"},
        legend=LEGEND_BELOW,
        yaxis_title="% within 4 hours (type 1)",
    )
    return figure
