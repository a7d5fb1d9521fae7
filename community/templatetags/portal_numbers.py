"""Numbers grouped the way the page's language writes them: 3,300,000 (EN), 3 300 000 (FR),
3.300.000 (ES). Only where asked (not USE_THOUSAND_SEPARATOR, which would also write years and
ids as 2,020)."""

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def grouped(value):
    if value is None or value == "":
        return ""
    try:
        return formats.number_format(int(value), force_grouping=True)
    except (TypeError, ValueError):
        return value
