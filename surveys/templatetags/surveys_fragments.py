"""``{% question_fragment item %}``: a question of the section page, from the process's store of
rendered fragments (``surveys.fragments``), with the page's survey, ``editable`` and ``preview``."""

from django import template

from surveys import fragments

register = template.Library()


@register.simple_tag(takes_context=True)
def question_fragment(context, item):
    return fragments.question_html(item, survey=context["survey"], editable=context.get("editable"),
                                   preview=context.get("preview", False))
