"""The error summary above a form (templates/includes/form_errors.html)."""

from django import template
from django.utils.html import strip_tags

register = template.Library()


@register.simple_tag
def form_error_summary(form):
    """Every error of the form, in the order of its fields, each with the anchor of its field:
    ``[{"href": "#id_email", "label": "Email", "message": "..."}]``; errors of the whole form first, unlinked."""
    items = [{"href": "", "label": "", "message": error} for error in form.non_field_errors()]
    for field in form:
        if field.is_hidden:
            continue
        # A label may carry markup (a link, a "required if" note): the summary names the field plainly.
        label = getattr(field.field, "summary_label", None) or strip_tags(str(field.label or "")).rstrip(".")
        href = f"#{anchor}" if (anchor := field.id_for_label or field.auto_id) else ""
        items.extend({"href": href, "label": label, "message": error} for error in field.errors)
    return items
