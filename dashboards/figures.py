"""Plotly figures from plain rows: no ORM, no request."""

from collections.abc import Sequence

import plotly.graph_objects as go

NHS_BLUE = "#005eb8"
NHS_RED = "#d5281b"
LAYOUT = {"margin": {"l": 60, "r": 20, "t": 30, "b": 50}, "height": 420, "hovermode": "closest"}


def performance_over_time(points: Sequence[dict], announcements: Sequence[dict]) -> go.Figure:
    """England's four-hour performance with the 95% standard and the funds marked."""
    figure = go.Figure(
        go.Scatter(
            x=[p["label"] for p in points],
            y=[float(p["percent"]) for p in points],
            mode="lines",
            name="Within 4 hours",
            line={"color": NHS_BLUE},
        )
    )
    figure.add_hline(y=95, line_dash="dash", line_color=NHS_RED, annotation_text="95% standard")
    for announcement in announcements:
        figure.add_vline(x=announcement["month"], line_color="#768692", line_dash="dot")
        figure.add_annotation(
            x=announcement["month"],
            y=1,
            yref="paper",
            text=announcement["label"],
            showarrow=False,
            textangle=-90,
            xanchor="right",
            font={"size": 10},
        )
    figure.update_layout(**LAYOUT, yaxis_title="% within 4 hours", xaxis_title="Month")
    return figure


def league(rows: Sequence[dict]) -> go.Figure:
    """Worst first, funded trusts in a different colour."""
    figure = go.Figure(
        go.Bar(
            x=[float(r["percent"]) for r in rows],
            y=[f"{r['name']} ({r['ods_code']})" for r in rows],
            orientation="h",
            marker_color=[NHS_RED if r["funds"] else NHS_BLUE for r in rows],
            hovertext=[", ".join(r["funds"]) or "no fund" for r in rows],
        )
    )
    figure.add_vline(x=95, line_dash="dash", line_color=NHS_RED)
    figure.update_layout(
        **{
            **LAYOUT,
            "height": max(420, 22 * len(rows)),
            "margin": {"l": 380, "r": 20, "t": 30, "b": 50},
        },
        xaxis_title="% within 4 hours",
        yaxis={"autorange": "reversed"},
    )
    return figure


def allocations(rows: Sequence[dict]) -> go.Figure:
    figure = go.Figure()
    for basis, colour in (("modelled", NHS_BLUE), ("published", NHS_RED)):
        chosen = [r for r in rows if r["basis"] == basis]
        if chosen:
            figure.add_trace(
                go.Bar(
                    x=[r["ods_code"] for r in chosen],
                    y=[r["pounds"] for r in chosen],
                    name=basis.capitalize(),
                    marker_color=colour,
                )
            )
    figure.update_layout(**LAYOUT, barmode="group", yaxis_title="£", xaxis_title="Recipient")
    return figure
