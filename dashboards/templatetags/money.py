from django import template

from funding.money import format_pounds

register = template.Library()


@register.filter
def pounds(pence):
    """Pence as £1,234.56; blank when there is no figure."""
    return "" if pence is None else format_pounds(int(pence))
