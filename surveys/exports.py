"""Streamed portrait exports (CSV, XLSX): one row per portrait, one column per question.

- single choice: the choice's text; scale: 1 to 5; number: the number; texts: the text;
- multiple choice: one column per choice (1 picked, 0 not, blank when the question is unanswered),
  and one for "other" when the question offers it;
- ranking: one column per topic holding the rank it was given (1 = first; blank when not ranked).

Portraits are read with ``.iterator(chunk_size=CHUNK)``; their answers and picks are read per chunk
of portraits as plain tuples (``values_list``), not model instances: 10,000 portraits hold 250,000
answers and more picks, and building a model instance for each was most of the export's time. Memory
holds one chunk at a time however many portraits there are. Texts a spreadsheet would run
as a formula get an apostrophe (community.exports._cell).
"""

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import NamedTuple

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from community.exports import _cell
from portal.exports import csv_lines, xlsx_file

from .models import Answer, AnswerChoice, Choice, Question, QuestionKind, Respondent

CHUNK = 500


def _columns(questions) -> list[tuple[int, str, object]]:
    """[(question id, header, reader)]: ``reader(answer, picks)`` gives one portrait's cell, where
    ``picks`` is {choice id: rank (or order picked)} of that answer."""
    columns = []
    for number, question in enumerate(questions, start=1):
        prefix = f"Q{number} {question.text}"
        kind, pk = question.kind, question.pk
        if kind == QuestionKind.MULTIPLE_CHOICE:
            for choice in question.choices.all():
                columns.append((pk, f"{prefix} — {choice.text}",
                                lambda a, p, c=choice.pk: "" if a is None or not a.is_answered else int(c in p)))
            if question.allow_other:
                columns.append((pk, f"{prefix} — {_('Other')}", lambda a, p: a.other_text if a else ""))
        elif kind == QuestionKind.RANKING:
            for choice in question.choices.all():
                columns.append((pk, f"{prefix} — {choice.text}", lambda a, p, c=choice.pk: p.get(c, "")))
        elif kind == QuestionKind.SINGLE_CHOICE:
            texts = {choice.pk: str(choice.text) for choice in question.choices.all()}
            columns.append((pk, prefix, lambda a, p, t=texts: next((t[c] for c in p if c in t), "")))
        elif kind == QuestionKind.SCALE:
            columns.append((pk, prefix, lambda a, p: int(a.value) if a and a.value not in (None, "") else ""))
        elif kind == QuestionKind.NUMBER:
            columns.append((pk, prefix + (f" ({question.unit})" if question.unit else ""), _number))
        else:
            columns.append((pk, prefix, lambda a, p: a.value if a and isinstance(a.value, str) else ""))
    return columns


def _number(answer, picks):
    if answer is None or answer.value in (None, ""):
        return ""
    try:
        return Decimal(str(answer.value))
    except InvalidOperation:
        return str(answer.value)


class _Answer(NamedTuple):
    """What the column readers need of an answer."""

    value: object
    other_text: str
    is_answered: bool


def _chunk_answers(portrait_ids) -> tuple[dict, dict]:
    """Two queries for a chunk of portraits: {portrait: {question: answer}}, {(portrait, question): picks}
    where picks is {choice: rank, or the order picked}."""
    answers, answer_keys = defaultdict(dict), {}
    for pk, portrait_id, question_id, value, other_text, is_answered in (
            Answer.objects.filter(portrait_id__in=portrait_ids)
            .values_list("pk", "portrait_id", "question_id", "value", "other_text", "is_answered")):
        answers[portrait_id][question_id] = _Answer(value, other_text, is_answered)
        answer_keys[pk] = (portrait_id, question_id)
    picks = defaultdict(dict)
    for answer_id, choice_id, rank in (AnswerChoice.objects.filter(answer__portrait_id__in=portrait_ids)
                                       .order_by("answer_id", "rank", "pk")
                                       .values_list("answer_id", "choice_id", "rank")):
        chosen = picks[answer_keys[answer_id]]
        chosen[choice_id] = rank or len(chosen) + 1
    return answers, picks


def portrait_export_rows(survey, portraits) -> Iterator[list]:
    """The header, then one list per portrait of ``portraits`` (a queryset of the survey's portraits)."""
    questions = list(
        Question.objects.filter(section__survey=survey)
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order", "pk")))
        .order_by("section__order", "section__pk", "order", "pk"))
    columns = _columns(questions)
    yield [_("organisation"), _("country"), _("world region"), _("status"), _("submitted at"),
           _("submitted by"), _("last change"), _("respondents"), *(header for _pk, header, _reader in columns)]
    portraits = (portraits.select_related("organisation", "submitted_by__user")
                 .prefetch_related(
                     Prefetch("respondents", queryset=Respondent.objects.select_related("member__user")
                              .order_by("first_saved_at", "pk")))
                 .order_by("organisation__name", "pk"))
    stream = portraits.iterator(chunk_size=CHUNK)
    while chunk := list(islice(stream, CHUNK)):
        answers, picks = _chunk_answers([portrait.pk for portrait in chunk])
        for portrait in chunk:
            own, no_picks = answers.get(portrait.pk, {}), {}
            organisation = portrait.organisation
            row = [organisation.name, str(organisation.country), organisation.region, portrait.status,
                   portrait.submitted_at, portrait.submitted_by.user.email if portrait.submitted_by else "",
                   portrait.updated_at, "; ".join(r.member.user.email for r in portrait.respondents.all())]
            row.extend(reader(own.get(pk), picks.get((portrait.pk, pk), no_picks)) for pk, _header, reader in columns)
            yield [_cell(value) for value in row]


def portrait_export_csv(survey, portraits) -> Iterator[str]:
    return csv_lines(portrait_export_rows(survey, portraits))


def portrait_export_xlsx(survey, portraits):
    return xlsx_file(portrait_export_rows(survey, portraits), sheet="portraits")
