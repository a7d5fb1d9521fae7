"""In-process timings of the survey section page (25 questions of mixed kinds), of an answer save and of
the member peers page (issue #9 benchmark), next to the in-stack bare view of the web benchmark
(config/urls_bench.py: a signed-in request through the whole middleware stack, a tiny template), whose
CPU time divided by a page's is the in-process counterpart of `make bench-web`'s ratio (target 0.5).
Not part of the suite (no test_ prefix); run it explicitly:
    .venv/bin/python -m pytest -q -p no:cacheprovider -s tests/surveys/bench_section.py
Set BENCH_PROFILE=1 to print the top of a cProfile of each (BENCH_PROFILE_FILTER to restrict it,
BENCH_PROFILE_SORT=tottime for the functions' own time)."""

import cProfile
import os
import pstats
import statistics
import time

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from surveys import services, views
from surveys.models import Choice, Question, QuestionKind, Section

from .conftest import make_survey

pytestmark = pytest.mark.django_db
KINDS = [QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.SCALE, QuestionKind.NUMBER,
         QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT, QuestionKind.RANKING]


def _median_ms(fn, runs=20, clock=time.perf_counter):
    fn()  # warm up
    times = []
    for _ in range(runs):
        start = clock()
        fn()
        times.append((clock() - start) * 1000)
    return statistics.median(times)


def _report(label, fn, baseline=None):
    cpu = _median_ms(fn, clock=time.process_time)
    ratio = f", {baseline / cpu:.2f}x the in-stack bare view" if baseline else ""
    print(f"{label}: median of 20 {_median_ms(fn):.1f} ms wall, {cpu:.1f} ms CPU{ratio}")
    return cpu


def _peers(survey, organisation, portraits=60):
    """``portraits`` other organisations with submitted portraits (shown to peers) picking from the
    survey's peer questions, and the member's own portrait submitted too."""
    from surveys.models import Answer, AnswerChoice, Portrait, PortraitStatus

    from ..factories import OrganisationFactory

    questions = list(Question.objects.filter(section__survey=survey, kind__in=[
        QuestionKind.MULTIPLE_CHOICE, QuestionKind.RANKING]).prefetch_related("choices"))
    Question.objects.filter(pk__in=[q.pk for q in questions]).update(peer_matching=True)
    for n in range(portraits):
        other = OrganisationFactory(name=f"Peer city {n}", country="FR")
        portrait = Portrait.objects.create(survey=survey, organisation=other, status=PortraitStatus.SUBMITTED,
                                           submitted_at=timezone.now(), show_to_peers=True)
        for q in questions:
            answer = Answer.objects.create(portrait=portrait, question=q, value="", is_answered=True)
            picked = [c for i, c in enumerate(q.choices.all()) if (i + n) % 3 == 0]
            AnswerChoice.objects.bulk_create(
                AnswerChoice(answer=answer, choice=c, rank=(i + 1) if q.kind == QuestionKind.RANKING else None)
                for i, c in enumerate(picked))
    Portrait.objects.filter(survey=survey, organisation=organisation).update(
        status=PortraitStatus.SUBMITTED, submitted_at=timezone.now(), show_to_peers=True)


def test_bench(client, edition, member, settings):
    settings.ROOT_URLCONF = "config.urls_bench"  # the in-stack bare view of the web benchmark
    survey = make_survey(edition)
    section = Section.objects.create(survey=survey, order=3, title="Bench", title_fr="Banc", title_es="Banco")
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    first = None
    for i in range(25):
        kind = KINDS[i % len(KINDS)]
        q = Question.objects.create(section=section, order=i, kind=kind, text=f"Question {i}", text_fr=f"Q {i}",
                                    help_text="Some help", required=i % 2 == 0, allow_other=True,
                                    min_value=0, max_value=1000, unit="m²", rank_limit=5 if i % 2 else None,
                                    scale_min_label="Low", scale_max_label="High")
        first = first or q
        choices = [Choice.objects.create(question=q, order=c, text=f"Choice {c}", text_fr=f"Choix {c}")
                   for c in range(8)] if q.has_choices else []
        value = {QuestionKind.SINGLE_CHOICE: str(choices[0].pk) if choices else "",
                 QuestionKind.MULTIPLE_CHOICE: [str(c.pk) for c in choices[:3]],
                 QuestionKind.RANKING: [c.pk for c in choices[:3]], QuestionKind.SCALE: "3",
                 QuestionKind.NUMBER: "12.5", QuestionKind.SHORT_TEXT: "Text",
                 QuestionKind.LONG_TEXT: "Long\ntext"}[kind]
        services.answer_save(portrait=portrait, question=q, value=value, member=member, base_version=0)
    _peers(survey, member.organisation)
    cache.clear()  # _peers wrote with update(), past the cache's receivers
    client.force_login(member.user)
    url = reverse("surveys:section", args=[survey.pk, section.pk])
    peers_url = reverse("surveys:peers", args=[survey.pk])
    bare_url = reverse("bench_in_stack")
    answer_url = reverse("surveys:answer", args=[survey.pk, first.pk])
    state = {"n": 0}

    def page():
        assert client.get(url).status_code == 200

    def bare():
        assert client.get(bare_url).status_code == 200

    def peers():
        response = client.get(peers_url)
        assert response.status_code == 200 and b"Peer city" in response.content

    def save():
        state["n"] += 1
        version = services.Answer.objects.get(portrait=portrait, question=first).version
        response = client.post(answer_url, {f"q{first.pk}": str(first.choices.all()[state["n"] % 2].pk),
                                            f"v{first.pk}": str(version)}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and b"data-answer-saved" in response.content

    if os.environ.get("BENCH_DUMP"):  # to check that a change leaves the page as it was
        with open(os.environ["BENCH_DUMP"], "w") as out:
            out.write(client.get(url).content.decode())
    print()
    baseline = _report("in-stack bare view", bare)
    _report("section page (25 questions)", page, baseline)
    _report("answer save (htmx POST)", save, baseline)
    _report("peers page (60 peers)", peers, baseline)
    context = views.portrait_context(survey, portrait, section=section)
    _report("  portrait_context", lambda: views.portrait_context(survey, portrait, section=section))
    from surveys import selectors
    _report("  survey_questions", lambda: selectors.survey_questions(survey))
    _report("  answers_of", lambda: selectors.answers_of(portrait))
    _report("  picked_choices", lambda: selectors.picked_choices(portrait))
    _report("  25 x _question.html", lambda: [render_to_string(
        "surveys/_question.html", {"item": item, "survey": survey, "editable": True}) for item in context["items"]])
    request = client.get(url).wsgi_request
    page_context = {"editable": True, "closed": False, "closes_at": portrait.closes_at, "member": member, **context}
    _report("  section.html", lambda: render_to_string("surveys/section.html", page_context, request=request))
    _report("  section.html without the questions", lambda: render_to_string(
        "surveys/section.html", {**page_context, "items": []}, request=request))
    if os.environ.get("BENCH_PROFILE"):
        def fragments():
            for item in context["items"]:
                render_to_string("surveys/_question.html", {"item": item, "survey": survey, "editable": True})
        for fn in (bare, page, save, peers, fragments):
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(10):
                fn()
            profile.disable()
            print(f"--- {fn.__name__}, 10 runs")
            if os.environ.get("BENCH_PROFILE_DIR"):  # for pstats / snakeviz
                profile.dump_stats(os.path.join(os.environ["BENCH_PROFILE_DIR"], f"{fn.__name__}.prof"))
            pstats.Stats(profile).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(
                os.environ.get("BENCH_PROFILE_FILTER", ""), 40)
