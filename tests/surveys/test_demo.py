"""The demo survey that `make run` loads: about 25 questions in three languages, open today, with
drafts and submissions; loading it twice changes nothing."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from community.models import User
from community.translated import missing_languages
from surveys.models import Answer, Choice, Portrait, PortraitStatus, Question, Section, Survey

pytestmark = pytest.mark.django_db


def test_demo_survey_is_open_today_translated_and_filled_in_by_some_cities(client, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    counts = (Survey.objects.count(), Question.objects.count(), Choice.objects.count(), Answer.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Survey.objects.count(), Question.objects.count(), Choice.objects.count(),
            Answer.objects.count()) == counts
    survey = Survey.objects.get()
    assert survey.edition.year == 2020 and survey.is_open()
    assert "11 June to 6 July 2020" in survey.staff_note
    assert 22 <= Question.objects.count() <= 28
    for model in (Survey, Section, Question, Choice):
        assert all(missing_languages(obj) == [] for obj in model.objects.all()), model
    assert set(Question.objects.values_list("kind", flat=True)) == {
        "single_choice", "multiple_choice", "scale", "number", "short_text", "long_text", "ranking"}
    assert Portrait.objects.filter(status=PortraitStatus.SUBMITTED).count() == 4
    assert Portrait.objects.filter(status=PortraitStatus.DRAFT).count() == 4
    client.force_login(User.objects.get(email="manager@bogota.demo.example"))
    response = client.get(reverse("surveys:section", args=[survey.pk, survey.sections.first().pk]))
    assert response.status_code == 200 and "Superficie del territorio" in response.content.decode()
    assert survey.closes_at > timezone.now()
