from collections.abc import Sequence
from html import escape

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from funding.money import format_pounds_whole

register = template.Library()


@register.simple_tag
def cell_heading(name: str):
    """A value's column heading inside its cell, which NHS.UK's responsive table shows beside
    the value on a phone (each row a card) and hides on a wider screen, where the table's own
    headings show. Hidden from assistive technology, which reads the table's headings."""
    return format_html(
        '<span class="nhsuk-table-responsive__heading" aria-hidden="true">{} </span>', name
    )


@register.simple_tag
def performance_rows(rows: Sequence[dict], fund) -> str:
    """The rows of /performance/'s data table, one a trust (funding_against_performance's).
    Written here with the standard library's escape rather than as markup in the template (or
    with format_html): at ten times England's trusts, the template's lookups, filters and URL
    reversals for each of 1,500 rows were about two thirds of the page's first request."""
    trust_url = reverse("dashboards:trust", args=["CODE"])
    fund_links: dict[str, str] = {}

    def fund_link(paid_by) -> str:
        if paid_by.slug not in fund_links:
            url = reverse("dashboards:fund", args=[paid_by.slug])
            fund_links[paid_by.slug] = f'<a href="{escape(url)}">{escape(paid_by.name)}</a>'
        return fund_links[paid_by.slug]

    received_none = "— (none from this fund)" if fund else "— (no fund)"
    html = []
    for row in rows:
        code = row["ods_code"]
        received = row["received_pence"]
        texts = (
            row["name"],
            row["region"],
            "yes" if row["foundation_trust"] else "no",
            row["merged_with"] or "—",
            format_pounds_whole(received) if received else received_none,
            f"£{row['received_per_1000_attendances']:,}" if received else "—",
            _or(row["percent_before"], "— (no figures)"),
            _or(row["percent_after"], "—"),
            _or(row["change_points"], "—"),
        )
        html.append(
            f'<tr><td><a href="{escape(trust_url.replace("CODE", code))}">{escape(code)}</a></td>'
            + "".join(f"<td>{escape(str(text))}</td>" for text in texts)
            + f"<td>{'; '.join(fund_link(paid_by) for paid_by in row['funds'])}</td></tr>"
        )
    return mark_safe("".join(html))  # every value is escaped above


def _or(value, missing: str):
    return missing if value is None else value
