"""The site's navigation, with the section the current page belongs to marked."""

from django.urls import reverse

# (label, the URL name of the section's page, the URL names that belong to the section)
SECTIONS = [
    ("Overview", "dashboards:overview", {"dashboards:overview"}),
    ("Funds", "dashboards:funds", {"dashboards:funds", "dashboards:fund"}),
    ("Performance", "dashboards:performance", {"dashboards:performance"}),
    ("League table", "dashboards:league", {"dashboards:league"}),
    ("Organisations", "dashboards:trusts", {"dashboards:trusts", "dashboards:trust"}),
    ("Spending", "dashboards:spending", {"dashboards:spending"}),
    ("Data sources", "sources:data-sources", {"sources:data-sources", "sources:whats-new"}),
    ("API", "api:docs", {"api:docs"}),
]


def navigation(request):
    """Context processor: `navigation`, a list of {label, url, current} for the header."""
    match = getattr(request, "resolver_match", None)
    here = match.view_name if match else None
    return {
        "navigation": [
            {"label": label, "url": reverse(name), "current": here in members}
            for label, name, members in SECTIONS
        ]
    }
