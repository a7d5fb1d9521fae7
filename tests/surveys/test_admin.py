"""The survey builder and the portraits in the admin: refusals that protect answers, conditions,
preview, the deadline extension, and the portraits list's query count at two sizes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import AuditEntry
from surveys import services
from surveys.models import Choice, Portrait, Question, QuestionKind

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def question_form(question, **changes):
    data = {
        "section": question.section_id, "order": question.order, "kind": question.kind,
        "text_en": question.text_en, "text_fr": question.text_fr or "", "text_es": "",
        "help_text_en": "", "help_text_fr": "", "help_text_es": "", "required": "on" if question.required else "",
        "scale_min_label_en": "", "scale_min_label_fr": "", "scale_min_label_es": "",
        "scale_max_label_en": "", "scale_max_label_fr": "", "scale_max_label_es": "",
        "unit_en": "", "unit_fr": "", "unit_es": "", "min_value": "", "max_value": "", "rank_limit": "",
        "show_if_question": "", "choices-TOTAL_FORMS": "0", "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "0", "choices-MAX_NUM_FORMS": "1000",
    }
    choices = list(question.choices.all())
    data["choices-TOTAL_FORMS"] = data["choices-INITIAL_FORMS"] = str(len(choices))
    for i, choice in enumerate(choices):
        data.update({f"choices-{i}-id": choice.pk, f"choices-{i}-question": question.pk,
                     f"choices-{i}-order": choice.order, f"choices-{i}-text_en": choice.text_en,
                     f"choices-{i}-text_fr": choice.text_fr or "", f"choices-{i}-text_es": ""})
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def answered(survey, member):
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    services.answer_save(portrait=portrait, question=survey.q["single"], value=str(survey.q["yes"].pk),
                         member=member, base_version=0)
    return portrait


def test_removing_a_choice_in_use_is_refused_with_an_explanation(client, staff, survey, answered):
    client.force_login(staff)
    question = survey.q["single"]
    url = reverse("admin:surveys_question_change", args=[question.pk])
    response = client.post(url, question_form(question, **{"choices-0-DELETE": "on"}))
    assert response.status_code == 200
    assert "is chosen in 1 portrait(s): it cannot be removed" in response.content.decode()
    assert Choice.objects.filter(pk=survey.q["yes"].pk).exists()
    # A choice nobody picked can go.
    response = client.post(url, question_form(question, **{"choices-1-DELETE": "on"}))
    assert response.status_code == 302
    assert not Choice.objects.filter(pk=survey.q["no"].pk).exists()


def test_changing_the_kind_of_an_answered_question_is_refused(client, staff, survey, answered):
    client.force_login(staff)
    question = survey.q["single"]
    response = client.post(reverse("admin:surveys_question_change", args=[question.pk]),
                           question_form(question, kind=QuestionKind.MULTIPLE_CHOICE))
    assert "its kind cannot change" in response.content.decode()
    question.refresh_from_db()
    assert question.kind == QuestionKind.SINGLE_CHOICE
    # Unanswered: it can change.
    short = survey.q["short"]
    response = client.post(reverse("admin:surveys_question_change", args=[short.pk]),
                           question_form(short, kind=QuestionKind.LONG_TEXT))
    assert response.status_code == 302


def test_a_condition_must_be_an_earlier_choice_question_with_its_own_choices(client, staff, survey):
    client.force_login(staff)
    q = survey.q
    url = reverse("admin:surveys_question_change", args=[q["multiple"].pk])
    later = client.post(url, question_form(q["multiple"], show_if_question=q["plan_name"].pk))
    assert later.status_code == 200  # a later (and a text) question cannot be a condition
    not_choice = client.post(reverse("admin:surveys_question_change", args=[q["plan_name"].pk]),
                             question_form(q["plan_name"], show_if_question=q["short"].pk,
                                           show_if_choices=[q["yes"].pk]))
    assert "single or multiple choice" in not_choice.content.decode()
    wrong_choice = client.post(reverse("admin:surveys_question_change", args=[q["plan_name"].pk]),
                               question_form(q["plan_name"], show_if_question=q["single"].pk,
                                             show_if_choices=[q["heat"].pk]))
    assert "Pick only choices of the question the condition depends on." in wrong_choice.content.decode()
    q["plan_name"].refresh_from_db()
    assert list(q["plan_name"].show_if_choices.all()) == [q["yes"]]


def test_model_clean_refuses_a_condition_on_a_later_question(survey):
    from django.core.exceptions import ValidationError

    question = survey.q["single"]
    question.show_if_question = survey.q["multiple"]
    with pytest.raises(ValidationError, match="earlier question"):
        question.full_clean()


def section_form(section):
    questions = list(section.questions.all())
    data = {"survey": section.survey_id, "order": section.order, "title_en": section.title_en, "title_fr": "",
            "title_es": "", "introduction_en": "", "introduction_fr": "", "introduction_es": "",
            "questions-TOTAL_FORMS": str(len(questions)), "questions-INITIAL_FORMS": str(len(questions)),
            "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000"}
    for i, question in enumerate(questions):
        data.update({f"questions-{i}-id": question.pk, f"questions-{i}-section": section.pk,
                     f"questions-{i}-order": question.order, f"questions-{i}-kind": question.kind,
                     f"questions-{i}-required": "on" if question.required else "",
                     f"questions-{i}-text_en": question.text_en, f"questions-{i}-text_fr": "",
                     f"questions-{i}-text_es": "", f"questions-{i}-help_text_en": "",
                     f"questions-{i}-help_text_fr": "", f"questions-{i}-help_text_es": ""})
    return data


def test_removing_an_answered_question_is_refused(client, staff, survey, answered):
    client.force_login(staff)
    section = survey.q["single"].section
    data = section_form(section)
    data["questions-0-DELETE"] = "on"
    response = client.post(reverse("admin:surveys_section_change", args=[section.pk]), data)
    assert response.status_code == 200
    assert "is answered in 1 portrait(s)" in response.content.decode()
    assert Question.objects.filter(pk=survey.q["single"].pk).exists()


def test_preview_shows_the_member_page_read_only(client, staff, survey):
    client.force_login(staff)
    response = client.get(reverse("admin:surveys_survey_preview", args=[survey.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Preview" in body and survey.q["single"].text in body and "hx-post" not in body
    second = client.get(reverse("admin:surveys_survey_preview", args=[survey.pk]),
                        {"section": survey.q["plan_name"].section_id}).content.decode()
    assert survey.q["plan_name"].text in second and 'question d-none' not in second


def test_survey_change_page_shows_the_staff_note(client, staff, survey):
    survey.staff_note = "Demo: the dates were moved so that the survey is open today."
    survey.save()
    client.force_login(staff)
    body = client.get(reverse("admin:surveys_survey_change", args=[survey.pk])).content.decode()
    assert "the dates were moved" in body and "See it as a member would" in body


def test_staff_extend_the_deadline_of_one_organisation(client, staff, survey, answered):
    client.force_login(staff)
    until = timezone.now() + timedelta(days=60)
    response = client.post(reverse("admin:surveys_portrait_changelist"), {
        "action": "extend_deadline", "_selected_action": [answered.pk], "apply": "1",
        "until_0": until.strftime("%Y-%m-%d"), "until_1": "18:00", "reason": "Municipal elections"})
    assert response.status_code == 302
    answered.refresh_from_db()
    assert answered.deadline_extended_until.date() == until.date()
    assert AuditEntry.objects.for_object(answered).get().reason == "Municipal elections"


def test_extend_deadline_before_the_survey_closes_is_refused(client, staff, survey, answered):
    client.force_login(staff)
    response = client.post(reverse("admin:surveys_portrait_changelist"), {
        "action": "extend_deadline", "_selected_action": [answered.pk], "apply": "1",
        "until_0": timezone.now().strftime("%Y-%m-%d"), "until_1": "00:00", "reason": "x"}, follow=True)
    assert "must be after the survey closes" in response.content.decode()
    answered.refresh_from_db()
    assert answered.deadline_extended_until is None


@pytest.mark.parametrize("count", [10, 500])
def test_portraits_list_queries_do_not_grow(client, staff, survey, count, django_assert_max_num_queries):
    organisations = OrganisationFactory.create_batch(count)
    Portrait.objects.bulk_create([Portrait(survey=survey, organisation=o) for o in organisations])
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:surveys_portrait_changelist"), {"all": ""})
    assert response.status_code == 200


def test_every_survey_admin_page_opens_for_the_secretariat(client, staff, survey, answered):
    client.force_login(staff)
    q = survey.q
    pages = [reverse(f"admin:surveys_{name}_changelist") for name in ("survey", "section", "question", "portrait")]
    pages += [reverse("admin:surveys_survey_add"), reverse("admin:surveys_question_add"),
              reverse("admin:surveys_section_change", args=[q["single"].section_id]),
              reverse("admin:surveys_question_change", args=[q["ranking"].pk]),
              reverse("admin:surveys_portrait_change", args=[answered.pk]),
              reverse("admin:surveys_question_changelist") + "?missing_translation=es"]
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_removing_a_section_with_answers_is_refused(client, staff, survey, answered):
    client.force_login(staff)
    sections = list(survey.sections.all())
    data = {"edition": survey.edition_id, "title_en": survey.title_en, "title_fr": survey.title_fr, "title_es": "",
            "introduction_en": "", "introduction_fr": "", "introduction_es": "", "staff_note": "",
            "opens_at_0": survey.opens_at.strftime("%Y-%m-%d"), "opens_at_1": survey.opens_at.strftime("%H:%M:%S"),
            "closes_at_0": survey.closes_at.strftime("%Y-%m-%d"),
            "closes_at_1": survey.closes_at.strftime("%H:%M:%S"),
            "sections-TOTAL_FORMS": str(len(sections)), "sections-INITIAL_FORMS": str(len(sections)),
            "sections-MIN_NUM_FORMS": "0", "sections-MAX_NUM_FORMS": "1000"}
    for i, section in enumerate(sections):
        data.update({f"sections-{i}-id": section.pk, f"sections-{i}-survey": survey.pk,
                     f"sections-{i}-order": section.order, f"sections-{i}-title_en": section.title_en,
                     f"sections-{i}-title_fr": "", f"sections-{i}-title_es": "",
                     f"sections-{i}-introduction_en": "", f"sections-{i}-introduction_fr": "",
                     f"sections-{i}-introduction_es": ""})
    data["sections-0-DELETE"] = "on"
    response = client.post(reverse("admin:surveys_survey_change", args=[survey.pk]), data)
    assert response.status_code == 200
    assert "protected" in response.content.decode()
    assert survey.sections.count() == 2
    data["sections-1-DELETE"], data["sections-0-DELETE"] = "on", ""
    assert client.post(reverse("admin:surveys_survey_change", args=[survey.pk]), data).status_code == 302
    assert survey.sections.count() == 1


def test_a_question_others_are_shown_on_keeps_its_kind_its_place_and_its_choices(client, staff, survey):
    """The staff walk of 2026-11-29: the question a condition depends on could become a text question, move
    after the question it shows, or lose the choice that shows it; the shown question was then hidden for
    good, and its section's page failed (500) on the next save."""
    client.force_login(staff)
    q = survey.q  # "Name of the plan" (section 2) is shown when "Do you have a plan?" is "Yes"
    url = reverse("admin:surveys_question_change", args=[q["single"].pk])
    kind = client.post(url, question_form(q["single"], kind=QuestionKind.SHORT_TEXT))
    assert kind.status_code == 200 and "must stay a single or multiple choice question" in kind.content.decode()
    moved = client.post(url, question_form(q["single"], section=q["plan_name"].section_id, order=5))
    assert moved.status_code == 200 and "this question must come before it" in moved.content.decode()
    deleted = client.post(url, question_form(q["single"], **{"choices-0-DELETE": "on"}))
    assert deleted.status_code == 200 and "change that question&#x27;s condition first" in deleted.content.decode()
    q["single"].refresh_from_db()
    assert (q["single"].kind, q["single"].section_id) == (QuestionKind.SINGLE_CHOICE, q["short"].section_id)
    assert Choice.objects.filter(pk=q["yes"].pk).exists()
    # A state reached before these rules (the condition's question made a text one): the shown question's
    # section page says what is wrong instead of failing.
    Question.objects.filter(pk=q["single"].pk).update(kind=QuestionKind.SHORT_TEXT)
    section = q["plan_name"].section
    response = client.post(reverse("admin:surveys_section_change", args=[section.pk]), section_form(section))
    assert response.status_code == 200 and "single or multiple choice question" in response.content.decode()
