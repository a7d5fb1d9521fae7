"""Filters of the import page (templates/admin/portal_import.html): errors in plain words."""

from django import template
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.exceptions import FieldError

from portal import import_ui

register = template.Library()


@register.filter
def spreadsheet_row(number):
    return import_ui.spreadsheet_row(number)


@register.filter
def row_errors_in_words(invalid_row):
    return import_ui.row_errors_in_words(invalid_row)


@register.filter
def import_error_in_words(error):
    """A row's or the file's error as a sentence: our own messages (ValueError, ValidationError) and
    import-export's column checks as they are; anything else (a database or programming error) as a
    plain sentence, never its class name or traceback (the log has them)."""
    exception = getattr(error, "error", error)
    if isinstance(exception, ValidationError):
        return "; ".join(exception.messages)
    if isinstance(exception, ValueError | FieldError) and type(exception) in (ValueError, FieldError):
        return str(exception)
    return _("This row could not be imported because of an unexpected problem; the file was not imported. "
             "Check the row, or send the file to the portal's developers.")
