"""Reads of the survey and portraits, each in a fixed number of queries."""

from collections import defaultdict

from django.db.models import Count, Prefetch, Q

from . import caching
from .models import Answer, AnswerChoice, Choice, Portrait, Question, Survey


def survey_for_edition(edition) -> Survey | None:
    if edition is None:
        return None
    return Survey.objects.filter(edition=edition).select_related("edition").first()


def survey_questions(survey) -> list[Question]:
    """Every question of the survey in order, with its section, choices and condition: from the cache
    (``caching``: one round trip, no query), else 3 queries. Fresh instances each time: a caller may
    change them."""
    return caching.cached(caching.questions_key(survey.pk), lambda: _read_survey_questions(survey))


def _read_survey_questions(survey) -> list[Question]:
    return list(
        Question.objects.filter(section__survey=survey)
        .select_related("section")
        .prefetch_related(Prefetch("show_if_choices", queryset=Choice.objects.only("pk", "question_id")),
                          Prefetch("choices", queryset=Choice.objects.order_by("order", "pk")))
        .order_by("section__order", "section__pk", "order", "pk")
    )


def picked_choices(portrait) -> dict[int, tuple[int, ...]]:
    """{question id: choice ids picked, in rank order} for the portrait (1 query)."""
    picks = defaultdict(list)
    if portrait is None or portrait.pk is None:
        return {}
    rows = (AnswerChoice.objects.filter(answer__portrait=portrait)
            .order_by("answer__question_id", "rank", "choice__order", "pk")
            .values_list("answer__question_id", "choice_id"))
    for question_id, choice_id in rows:
        picks[question_id].append(choice_id)
    return {question_id: tuple(ids) for question_id, ids in picks.items()}


def answers_of(portrait) -> dict[int, Answer]:
    """{question id: answer} with who last changed it (1 query)."""
    if portrait is None or portrait.pk is None:
        return {}
    return {answer.question_id: answer
            for answer in Answer.objects.filter(portrait=portrait).select_related("updated_by__user")}


def answer_of(portrait, question) -> Answer | None:
    """One answer with who last changed it (1 query): an answer's fragment needs no other."""
    if portrait is None or portrait.pk is None:
        return None
    return Answer.objects.filter(portrait=portrait, question=question).select_related("updated_by__user").first()


def visible_question_ids(questions, picks) -> set[int]:
    """Questions shown given the answers: a question with a show-if condition is shown when its
    condition question is shown and its answer includes one of the condition's choices."""
    visible = set()
    for question in questions:  # in survey order: conditions come first
        if question.show_if_question_id is None:
            visible.add(question.pk)
            continue
        wanted = {choice.pk for choice in question.show_if_choices.all()}
        if question.show_if_question_id in visible and wanted & set(picks.get(question.show_if_question_id, ())):
            visible.add(question.pk)
    return visible


def portrait_progress(portraits) -> dict[int, int]:
    """{portrait id: answered questions} (1 query)."""
    return dict(
        Portrait.objects.filter(pk__in=[p.pk for p in portraits])
        .annotate(answered=Count("answers", filter=Q(answers__is_answered=True)))
        .values_list("pk", "answered")
    )
