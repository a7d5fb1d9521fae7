"""Reads of the survey and portraits, each in a fixed number of queries."""

from collections import defaultdict

from django.db.models import Count, Prefetch, Q, prefetch_related_objects

from .models import Answer, AnswerChoice, Choice, Portrait, Question, Survey


def survey_for_edition(edition) -> Survey | None:
    if edition is None:
        return None
    return Survey.objects.filter(edition=edition).select_related("edition").first()


def survey_questions(survey, *, choices_for=None) -> list[Question]:
    """Every question of the survey in order, with its section, choices and condition (3 queries).

    ``choices_for(question)`` limits the choices loaded to the questions it accepts (a page needs only
    its own section's; loading every choice of the survey was most of a section page's and an answer
    save's reads). The other questions still give their choices when asked, one query each."""
    questions = list(
        Question.objects.filter(section__survey=survey)
        .select_related("section")
        .prefetch_related(Prefetch("show_if_choices", queryset=Choice.objects.only("pk", "question_id")))
        .order_by("section__order", "section__pk", "order", "pk")
    )
    wanted = questions if choices_for is None else [question for question in questions if choices_for(question)]
    prefetch_related_objects(wanted, Prefetch("choices", queryset=Choice.objects.order_by("order", "pk")))
    return questions


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
