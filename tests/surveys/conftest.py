from datetime import timedelta

import pytest
from django.utils import timezone

from surveys import caching
from surveys.models import Choice, Question, QuestionKind, Section, Survey


def make_survey(edition, *, opens_at=None, closes_at=None, questions_per_section=None, sections=2):
    """A survey with one question of each kind in section 1, and a conditional question in section 2.

    Its rows are written a table at a time (about 340 tests build one: one insert per row was a third of
    the survey and event tests' fixture queries); the structure's cache generation is renewed after, as
    the save signals would have."""
    now = timezone.now()
    survey = Survey.objects.create(
        edition=edition, title="Green Infrastructure Metropolitan Portrait", title_fr="Portrait métropolitain",
        opens_at=opens_at or now - timedelta(days=1), closes_at=closes_at or now + timedelta(days=20))
    profile, plans = Section.objects.bulk_create([
        Section(survey=survey, order=1, title="Profile", title_fr="Profil"),
        Section(survey=survey, order=2, title="Plans", title_fr="Plans"),
    ])
    q = {}
    q["single"], q["multiple"], q["scale"], q["number"], q["short"], q["long"], q["ranking"] = (
        Question.objects.bulk_create([
            Question(section=profile, order=1, kind=QuestionKind.SINGLE_CHOICE,
                     text="Do you have a green infrastructure plan?",
                     text_fr="Avez-vous un plan d'infrastructure verte ?", required=True),
            Question(section=profile, order=2, kind=QuestionKind.MULTIPLE_CHOICE, text="Which challenges?",
                     allow_other=True),
            Question(section=profile, order=3, kind=QuestionKind.SCALE, text="How advanced?",
                     scale_min_label="Not at all", scale_max_label="Very"),
            Question(section=profile, order=4, kind=QuestionKind.NUMBER, text="Green area per inhabitant",
                     min_value=0, max_value=1000, unit="m²", required=True),
            Question(section=profile, order=5, kind=QuestionKind.SHORT_TEXT, text="Department"),
            Question(section=profile, order=6, kind=QuestionKind.LONG_TEXT, text="Describe"),
            Question(section=profile, order=7, kind=QuestionKind.RANKING, text="Rank topics", rank_limit=2),
        ])
    )
    choices = Choice.objects.bulk_create([
        Choice(question=q["single"], order=1, text="Yes", text_fr="Oui"),
        Choice(question=q["single"], order=2, text="No", text_fr="Non"),
        Choice(question=q["multiple"], order=1, text="Heat waves"),
        Choice(question=q["multiple"], order=2, text="Floods"),
        *(Choice(question=q["ranking"], order=i, text=f"Topic {i}") for i in range(1, 5)),
    ])
    q["yes"], q["no"], q["heat"], q["floods"] = choices[:4]
    q["topics"] = choices[4:]
    q["plan_name"], *_extra = Question.objects.bulk_create([
        Question(section=plans, order=1, kind=QuestionKind.SHORT_TEXT, text="Name of the plan", required=True,
                 show_if_question=q["single"]),
        *(Question(section=plans, order=10 + i, kind=QuestionKind.SHORT_TEXT, text=f"Extra {i}")
          for i in range(questions_per_section or 0)),
    ])
    q["plan_name"].show_if_choices.set([q["yes"]])
    caching.structure_changed()
    survey.q = q
    return survey


@pytest.fixture
def survey(edition):
    return make_survey(edition)


@pytest.fixture(autouse=True)
def _fresh_fragments():
    # The section page's rendered questions are kept in the process (surveys.fragments): each test starts
    # without them, as a freshly deployed worker would.
    from surveys import fragments

    fragments.rendered.clear()
