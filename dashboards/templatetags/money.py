from django import template

from funding.money import format_pounds_short, format_pounds_whole

register = template.Library()


@register.filter
def pounds(pence):
    """Pence as tables show money: £1,234,567, or £1,234.56 where there are pence; blank when
    there is no figure."""
    return "" if pence is None else format_pounds_whole(int(pence))


@register.filter
def money(pence):
    """Pence as prose says money: £3.75m, £12.8m, £3.8bn; blank when there is no figure."""
    return "" if pence is None else format_pounds_short(int(pence))
