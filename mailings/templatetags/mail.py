"""Tags of the email templates (``mailings/<template>/body.md``): see ``mailings.rendering``."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def button(context, url, label):
    """The email's call to action: a button in HTML, "Label: URL" in text. Alone on its line."""
    return context["mail_values"].tag_token("button", url, label)


@register.simple_tag(takes_context=True)
def link(context, url, label):
    """A link inside a sentence: a link in HTML, "Label: URL" in text."""
    return context["mail_values"].tag_token("link", url, label)


@register.simple_tag(takes_context=True)
def preformatted(context, value):
    """A block kept as it is (a traceback). Alone on its line."""
    values = context["mail_values"]
    return values.tag_token("pre", value) if values.raw(value) else ""
