"""Each analysis's rows as people read them: one shape for the pages, their CSV downloads and
the API, with figures written to two decimals as the API has always written them."""

from . import selectors


def number(value: float) -> str:
    """Two places; a value that rounds to nothing has no sign ("0.00", never "-0.00")."""
    written = f"{value:.2f}"
    return "0.00" if written == "-0.00" else written


def funnel_rows(rows: list[selectors.FunnelRow]) -> list[dict]:
    """One row a trust: its figures, how far it is from the national mean (z), and the
    limit it is beyond, if any."""
    return [
        {
            "ods_code": row.ods_code,
            "name": row.name,
            "attendances": row.attendances,
            "over_4h": row.over_4h,
            "percentage": number(row.point.percent),
            "z": number(row.point.z),
            "beyond": row.point.beyond,
        }
        for row in rows
    ]


def spc_rows(chart: selectors.SpcChart) -> list[dict]:
    """One row a period of an XmR chart: the figure, the mean and limits it is judged
    against, and any special cause."""
    return [
        {
            "period": row.label,
            "start": row.start,
            "end": row.end,
            "grain": row.grain,
            "attendances": row.attendances,
            "over_4h": row.over_4h,
            "percentage": number(row.point.value),
            "mean": number(row.point.mean),
            "upper_limit": number(row.point.upper),
            "lower_limit": number(row.point.lower),
            "special_cause": row.point.special_cause,
            "direction": row.point.direction,
            "limits_from": row.point.limits_from,
        }
        for row in chart.rows
    ]


def event_study_rows(result: selectors.Impact, comparison: selectors.Comparison) -> list[dict]:
    """The funded-minus-control gap a month, in percentage points, with its 95% interval."""
    return [
        {
            "months_from_announcement": point.period,
            "month": f"{result.month_of(point.period):%Y-%m}",
            "gap_pp": number(point.gap_pp),
            "ci_low_pp": number(point.ci_low_pp),
            "ci_high_pp": number(point.ci_high_pp),
        }
        for point in comparison.event_study
    ]
