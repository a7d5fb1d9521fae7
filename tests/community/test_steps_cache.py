"""community.steps caches the states of the steps that name the models they read: a second look costs
no query, and any write to those models, a passing date or another language or zone gives fresh ones."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation

from community import steps
from community.models import Edition
from surveys.models import Survey

pytestmark = pytest.mark.django_db


class SurveyTitleStep(steps.Step):
    """Done when the edition's survey is titled "done"; its date is the survey's closing."""

    key = "tests.survey-title"
    order = 150
    title = "Survey"
    depends_on = (Survey,)

    def __init__(self):
        self.computed = []  # the members of each computation

    def for_members(self, members, edition):
        self.computed.append(sorted(m.pk for m in members))
        survey = Survey.objects.filter(edition=edition).first()
        status = "done" if survey is not None and survey.title == "done" else "not_started"
        return {m.pk: steps.StepState(status, date=survey.closes_at if survey else None,
                                      detail=translation.gettext("Closed")) for m in members}


@pytest.fixture
def step(monkeypatch):
    step = SurveyTitleStep()
    monkeypatch.setattr(steps, "registered", lambda: [step])
    return step


@pytest.fixture
def survey(edition):
    now = timezone.now()
    return Survey.objects.create(edition=edition, title="open", opens_at=now - timedelta(days=1),
                                 closes_at=now + timedelta(days=20))


def status(member, edition):
    return [s.state.status for s in steps.member_steps(member=member, edition=edition)]


def test_a_second_look_is_read_from_the_cache_without_a_query(step, member, edition, survey,
                                                              django_assert_num_queries):
    assert status(member, edition) == ["not_started"]
    with django_assert_num_queries(0):
        assert status(member, edition) == ["not_started"]
    assert step.computed == [[member.pk]]


def test_every_kind_of_write_to_a_model_it_reads_gives_fresh_states(step, member, edition, survey):
    status(member, edition)
    survey.title = "done"
    survey.save()  # a signal
    assert status(member, edition) == ["done"]
    Survey.objects.filter(pk=survey.pk).update(title="again")  # a bulk write: no signal
    assert status(member, edition) == ["not_started"]
    Survey.objects.filter(pk=survey.pk).delete()
    assert status(member, edition) == ["not_started"]
    [created] = Survey.objects.bulk_create([Survey(edition=edition, title="done", opens_at=survey.opens_at,
                                                   closes_at=survey.closes_at)])
    assert status(member, edition) == ["done"]
    created.title = "other"
    Survey.objects.bulk_update([created], ["title"])
    assert status(member, edition) == ["not_started"]
    assert len(step.computed) == 6


def test_a_write_that_matches_no_row_keeps_the_cache(step, member, edition, survey):
    status(member, edition)
    Survey.objects.filter(pk=survey.pk + 1000).update(title="done")
    status(member, edition)
    assert len(step.computed) == 1


def test_a_state_is_not_used_once_its_date_has_passed_nor_before_it_was_computed(step, member, edition, survey,
                                                                                monkeypatch):
    status(member, edition)
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(days=21))  # past the closing
    status(member, edition)
    assert len(step.computed) == 2
    monkeypatch.setattr(timezone, "now", lambda: real_now() - timedelta(days=2))  # a clock that went back
    status(member, edition)
    assert len(step.computed) == 3


def test_each_language_and_time_zone_has_its_own_states(step, member, edition, survey):
    with translation.override("fr"):
        [french] = steps.member_steps(member=member, edition=edition)
    with translation.override("es"):
        [spanish] = steps.member_steps(member=member, edition=edition)
    assert (french.state.detail, spanish.state.detail) == ("Clôturée", "Cerrada")
    member.time_zone = "Asia/Tokyo"
    [tokyo] = steps.member_steps(member=member, edition=edition)
    assert str(tokyo.state.date.tzinfo) == "Asia/Tokyo"
    assert len(step.computed) == 3


def test_many_members_compute_only_those_not_cached_at_once(step, member, other_member, edition, survey):
    status(member, edition)
    steps.members_steps(members=[member, other_member], edition=edition)
    assert step.computed == [[member.pk], [other_member.pk]]


def test_a_commit_drops_the_states_again(step, member, edition, survey, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        survey.save()
        during = cache.get(steps.GENERATION.key)
    assert callbacks and cache.get(steps.GENERATION.key) != during


def test_a_step_reading_a_model_without_a_watched_queryset_is_refused():
    class Unwatched(steps.Step):
        key = "tests.unwatched"
        depends_on = (Edition,)

    with pytest.raises(ImproperlyConfigured, match="community.Edition must use a WatchedQuerySet"):
        steps.register(Unwatched())
    assert "tests.unwatched" not in {s.key for s in steps.registered()}


def test_the_apps_cached_steps_read_only_watched_models():
    cached = [step for step in steps.registered() if step.depends_on]
    assert {step.key for step in cached} >= {"surveys.portrait", "events.webinar", "events.days"}
    for step in cached:
        for model in step.depends_on:
            assert isinstance(model._default_manager.all(), steps.WatchedQuerySet), model


def test_a_step_registered_later_is_computed_for_members_already_cached(step, member, edition, survey,
                                                                        monkeypatch):
    status(member, edition)
    later = type("Later", (SurveyTitleStep,), {"key": "tests.later", "order": 160})()
    monkeypatch.setattr(steps, "registered", lambda: [step, later])
    assert status(member, edition) == ["not_started", "not_started"]
    assert later.computed == [[member.pk]]


def test_an_entry_of_another_layout_is_computed_again(step, member, edition, survey):
    from django.core.cache import cache

    status(member, edition)
    key = steps._state_key(edition, member)
    cache.set(key, {"generation": steps.GENERATION.current(), "computed": 0, "until": 2**40,
                    "states": "an older layout"})
    assert status(member, edition) == ["not_started"]
    cache.set(key, ["not", "a", "dict"])
    assert status(member, edition) == ["not_started"]
    assert len(step.computed) == 3
