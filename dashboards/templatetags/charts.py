"""A chart's figure in a script element that the page's chart code reads, as plotly wrote its
JSON."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# What Django's json_script escapes, so that nothing in the JSON ends the element or opens
# markup; inside JSON these characters occur only in strings, where the escapes mean the same.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def chart_script(figure_json: str, element_id: str) -> str:
    return format_html(
        '<script id="{}" type="application/json">{}</script>',
        element_id,
        mark_safe(figure_json.translate(_ESCAPES)),  # JSON text, escaped above
    )
