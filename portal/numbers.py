"""Numbers written the way the page's language writes them: 3,300,000 and 1,500.50 (EN), 3 300 000 and
1 500,50 (FR), 3.300.000 and 1.500,50 (ES). Only where asked: USE_THOUSAND_SEPARATOR would also write
years and ids as 2,020. The filters of the same names are in community/templatetags/portal_numbers.py."""

from decimal import Decimal, InvalidOperation

from django.utils import formats


def grouped(value):
    """A whole number, grouped."""
    if value is None or value == "":
        return ""
    try:
        return formats.number_format(int(value), force_grouping=True)
    except (TypeError, ValueError):
        return value


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def euros(value) -> str:
    """An amount in euros, grouped, with its cents: 1,500.00 (EN), 1 500,00 (FR), 1.500,00 (ES)."""
    if value is None or value == "":
        return ""
    amount = _amount(value)
    return str(value) if amount is None else formats.number_format(amount, 2, force_grouping=True)


def decimal_input(value) -> str:
    """A number as the page's language types it in a text box (no grouping): 1500,5 in French."""
    if value is None or value == "":
        return ""
    amount = _amount(value)
    if amount is None:
        return str(value)
    return formats.number_format(amount.normalize() if amount == amount.to_integral_value() else amount,
                                 use_l10n=True)
