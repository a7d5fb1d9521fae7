"""A question's fragment (``surveys/_question.html``) rendered once per state and kept in the process.

The section page draws 25 of them (every choice's input, label and rank options: about 1,500 template
variables), which was three quarters of the page (issue #9 benchmark). A fragment's HTML depends only
on what its key names: the question as the active language shows it (texts, choices, condition), the
answer as stored (version, value, picks, who changed it last and when), whether it is shown, the page's
language and time zone, and whether it can be edited. The key is built from those values themselves,
not from a version number someone must remember to bump: a colleague's save (a new version, value or
time), a builder's edit or a translation gives another key, so nothing can be stale and nothing needs
forgetting. Keys are SHA-256 digests (two portraits share an entry only when they show the same HTML).

Items built from a posted form (a value shown back with its error, a conflict) are always rendered:
what a member typed is never kept. The store is per process and bounded (``portal.lru``), so a deploy
with new templates or translations starts afresh.
"""

import hashlib

from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from portal.lru import ProcessLRU

TEMPLATE = "surveys/_question.html"
SIZE = 4096  # about 2 KB of HTML each: under 10 MB per process
FORMAT = 1  # bump when the key's layout changes
rendered = ProcessLRU(SIZE)


def _row(instance) -> tuple:
    """Every column of a row as loaded, each language's texts included (``_en``, ``_fr``, ``_es``): with
    the page's language in the key, that names what the row's texts show. Plain attribute reads: going
    through modeltranslation's descriptors for each text and choice cost more than the rendering saved."""
    return tuple(item for item in vars(instance).items() if not item[0].startswith("_"))


def _question_shown(question) -> tuple:
    """Everything of the question that ``_question.html`` shows: its row, its condition's choices, its choices."""
    return (_row(question), tuple(choice.pk for choice in question.show_if_choices.all()),
            tuple(_row(choice) for choice in question.choices.all()))


def _key(item, survey_id, editable, preview) -> str:
    answer = item.answer
    changed_by = answer.updated_by if answer is not None else None
    last_change = (changed_by.full_name, answer.updated_at) if changed_by else None
    described = (FORMAT, get_language(), get_current_timezone_name(), survey_id, editable, preview,
                 _question_shown(item.question), item.visible, item.version, tuple(sorted(item.selected)),
                 tuple(sorted(item.ranks.items())), item.text, item.other_text, item.saved, last_change)
    return hashlib.sha256(repr(described).encode()).hexdigest()


def question_html(item, *, survey, editable, preview=False) -> SafeString:
    """The fragment of one ``forms.QuestionItem``, as ``_question.html`` renders it in the section page."""
    context = {"item": item, "survey": survey, "editable": editable, "preview": preview}
    if item.error or item.conflict is not None or item.from_post:
        return get_template(TEMPLATE).render(context)
    key = _key(item, survey.pk, bool(editable), bool(preview))
    html = rendered.get(key)
    if html is None:
        html = str(get_template(TEMPLATE).render(context))
        rendered.set(key, html)
    return mark_safe(html)  # noqa: S308 - the template's own output, stored as it was
