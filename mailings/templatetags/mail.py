"""Tags of the email templates (``mailings/<template>/body.md``): see ``mailings.rendering``."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def button(context, url, label):
    """The email's call to action: a button in HTML, "Label: URL" in text. Alone on its line."""
    values = context["mail_values"]
    return values.token("button", values.raw(url), values.raw(label))


@register.simple_tag(takes_context=True)
def link(context, url, label):
    """A link inside a sentence: a link in HTML, "Label: URL" in text."""
    values = context["mail_values"]
    return values.token("link", values.raw(url), values.raw(label))


@register.simple_tag(takes_context=True)
def preformatted(context, value):
    """A block kept as it is (a traceback). Alone on its line."""
    values = context["mail_values"]
    return values.token("pre", values.raw(value)) if values.raw(value) else ""
