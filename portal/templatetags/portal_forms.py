"""``{{ form|crispy_cached }}``: crispy's rendering of an unbound form, kept in this process.

Crispy renders each field through half a dozen templates: on the profile page that was two thirds of
the request (and its time-zone menu is 400 options). An unbound form's HTML depends only on its class,
its initial values and the page's language, so it is rendered once per combination and reused. A
bound form (errors to show) is always rendered. The cache lives in the process, bounded, so a deploy
(new templates or translations) starts afresh.
"""

import hashlib

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from portal.lru import ProcessLRU

register = template.Library()

rendered = ProcessLRU(512)  # entries of ~35 KB at most: under 20 MB per process


def _key(form) -> str:
    initial = {name: form.get_initial_for_field(field, name) for name, field in form.fields.items()}
    described = repr((type(form).__module__, type(form).__qualname__, form.prefix, form.auto_id,
                      sorted((name, repr(value)) for name, value in initial.items()), get_language()))
    return hashlib.sha256(described.encode()).hexdigest()


@register.filter
def crispy_cached(form):
    if form.is_bound:
        return as_crispy_form(form)
    key = _key(form)
    html = rendered.get(key)
    if html is None:
        html = str(as_crispy_form(form))
        rendered.set(key, html)
    return mark_safe(html)  # noqa: S308 - crispy's own output, stored as it was
