from django import template

register = template.Library()


@register.simple_tag
def download_link(form, chart: str = "") -> str:
    """The link to the CSV of what a page plots, from its filter form's own parameters: junk in
    the page's link is not carried into it (nor into the cache key, as reading the whole query
    string would)."""
    query = form.data.copy()
    if chart:
        query["chart"] = chart
    query["format"] = "csv"
    return f"?{query.urlencode()}"
