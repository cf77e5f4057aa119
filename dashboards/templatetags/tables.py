from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def cell_heading(name: str):
    """A value's column heading inside its cell, which NHS.UK's responsive table shows beside
    the value on a phone (each row a card) and hides on a wider screen, where the table's own
    headings show. Hidden from assistive technology, which reads the table's headings."""
    return format_html(
        '<span class="nhsuk-table-responsive__heading" aria-hidden="true">{} </span>', name
    )
