import datetime as dt

from django import template

register = template.Library()


@register.filter
def month(label):
    """A month as "2010-11" in the data, written "Nov 2010" so that it cannot be read as the
    financial year 2010-11; anything else (a week, a quarter) is left as it is."""
    try:
        return dt.date.fromisoformat(f"{label}-01").strftime("%b %Y")
    except (TypeError, ValueError):
        return label


@register.filter
def financial_year(label):
    """A financial year as "2010-11 (April-March)", so that it cannot be read as a month."""
    return f"{label} (April-March)" if label else ""
