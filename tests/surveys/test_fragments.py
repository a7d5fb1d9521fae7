"""The section page's question fragments kept in the process (surveys.fragments): the same HTML as the
template, and never a stale answer, another language's text, another time zone's time nor a value
someone posted."""

import pytest
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

from surveys import fragments, services
from surveys.forms import question_item
from surveys.selectors import answers_of, picked_choices, survey_questions, visible_question_ids

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def colleague(member):
    return MemberFactory(organisation=member.organisation, user__first_name="Ada", user__last_name="Colau",
                         time_zone="America/Mexico_City")


def _save(portrait, question, value, member, version):
    return services.answer_save(portrait=portrait, question=question, value=value, member=member,
                                base_version=version)


def _section(client, survey, question):
    return client.get(reverse("surveys:section", args=[survey.pk, question.section_id])).content.decode()


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_kept_fragment_is_the_templates_html_for_every_kind(survey, member, colleague, language):
    q = survey.q
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    _save(portrait, q["single"], str(q["yes"].pk), member, 0)
    _save(portrait, q["multiple"], [str(q["floods"].pk)], colleague, 0)
    _save(portrait, q["scale"], "4", member, 0)
    _save(portrait, q["number"], "12.5", member, 0)
    _save(portrait, q["short"], "<b>Parks</b> & \"gardens\"", colleague, 0)
    _save(portrait, q["ranking"], [q["topics"][2].pk, q["topics"][0].pk], member, 0)
    questions = survey_questions(survey)
    picks, answers = picked_choices(portrait), answers_of(portrait)
    visible = visible_question_ids(questions, picks)
    with translation.override(language):
        for question in questions:
            for editable, preview, saved in ((True, False, False), (False, False, False), (False, True, False),
                                             (True, False, True)):
                item = question_item(question, answers.get(question.pk), picks, visible=question.pk in visible,
                                     saved=saved)
                expected = get_template("surveys/_question.html").render(
                    {"item": item, "survey": survey, "editable": editable, "preview": preview})
                for _ in range(2):  # rendered, then kept
                    assert fragments.question_html(item, survey=survey, editable=editable,
                                                   preview=preview) == expected
    assert len(fragments.rendered) == 4 * len(questions)


def test_a_colleagues_save_shows_on_the_next_page_load(client, survey, member, colleague):
    q = survey.q
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    _save(portrait, q["short"], "Parks", member, 0)
    _save(portrait, q["multiple"], [str(q["heat"].pk)], member, 0)
    client.force_login(member.user)
    page = _section(client, survey, q["short"])
    assert 'value="Parks"' in page and f'name="v{q["short"].pk}" value="1"' in page
    assert f'id="q{q["multiple"].pk}-{q["heat"].pk}" value="{q["heat"].pk}" checked>' in page
    _save(portrait, q["short"], "Ecology office", colleague, 1)
    _save(portrait, q["multiple"], [str(q["floods"].pk)], colleague, 1)
    page = _section(client, survey, q["short"])
    assert 'value="Parks"' not in page and 'value="Ecology office"' in page
    assert f'name="v{q["short"].pk}" value="2"' in page  # the member's next save is based on the new version
    assert f'id="q{q["multiple"].pk}-{q["heat"].pk}" value="{q["heat"].pk}">' in page
    assert f'id="q{q["multiple"].pk}-{q["floods"].pk}" value="{q["floods"].pk}" checked>' in page
    assert "Last changed by Ada Colau" in page


def test_a_save_in_the_same_second_by_the_same_member_shows_too(client, survey, member):
    """Only the value and the version tell the two answers apart (same person, same time)."""
    from django.utils import timezone

    q = survey.q
    now = timezone.now()
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    services.answer_save(portrait=portrait, question=q["short"], value="Parks", member=member, base_version=0, now=now)
    services.answer_save(portrait=portrait, question=q["ranking"], value=[q["topics"][0].pk], member=member,
                         base_version=0, now=now)
    client.force_login(member.user)
    assert 'value="Parks"' in _section(client, survey, q["short"])
    services.answer_save(portrait=portrait, question=q["short"], value="Ecology office", member=member,
                         base_version=1, now=now)
    services.answer_save(portrait=portrait, question=q["ranking"], value=[q["topics"][1].pk, q["topics"][0].pk],
                         member=member, base_version=1, now=now)
    page = _section(client, survey, q["short"])
    assert 'value="Ecology office"' in page and f'name="v{q["short"].pk}" value="2"' in page
    selects = {topic.pk: page.split(f'id="q{q["ranking"].pk}-rank-{topic.pk}">')[1].split("</select>")[0]
               for topic in q["topics"][:2]}
    assert '<option value="2" selected>' in selects[q["topics"][0].pk]
    assert '<option value="1" selected>' in selects[q["topics"][1].pk]


def test_an_answer_hidden_by_a_colleague_disappears_on_the_next_page_load(client, survey, member, colleague):
    q = survey.q
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    _save(portrait, q["single"], str(q["yes"].pk), member, 0)
    _save(portrait, q["plan_name"], "Green plan 2030", member, 0)
    client.force_login(member.user)
    page = _section(client, survey, q["plan_name"])
    assert f'class="card mb-3 question" data-question="{q["plan_name"].pk}"' in page and "Green plan 2030" in page
    _save(portrait, q["single"], str(q["no"].pk), colleague, 1)  # hides the plan's name, whose answer goes
    page = _section(client, survey, q["plan_name"])
    assert f'class="card mb-3 question d-none" data-question="{q["plan_name"].pk}"' in page
    assert "Green plan 2030" not in page


def test_a_bad_value_is_shown_back_with_its_error_and_never_kept(client, survey, member):
    q = survey.q["number"]
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    _save(portrait, q, "35", member, 0)
    client.force_login(member.user)
    assert 'value="35"' in _section(client, survey, q)
    kept = len(fragments.rendered)
    response = client.post(reverse("surveys:answer", args=[survey.pk, q.pk]), {f"q{q.pk}": "-7", f"v{q.pk}": "1"},
                           **HTMX)
    body = response.content.decode()
    assert "data-answer-error" in body and 'value="-7"' in body and "at least 0" in body
    response = client.post(reverse("surveys:section", args=[survey.pk, q.section_id]), {f"q{q.pk}": "-8"})
    body = response.content.decode()
    assert "data-answer-error" in body and 'value="-8"' in body
    assert len(fragments.rendered) == kept  # what was posted is not in the store
    page = _section(client, survey, q)
    assert 'value="35"' in page and "data-answer-error" not in page and 'value="-7"' not in page


def test_a_conflict_is_shown_with_the_members_value_then_the_saved_fragment(client, survey, member, colleague):
    q = survey.q["short"]
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    _save(portrait, q, "Parks", member, 0)
    client.force_login(member.user)
    _section(client, survey, q)
    _save(portrait, q, "Ecology office", colleague, 1)
    url = reverse("surveys:answer", args=[survey.pk, q.pk])
    body = client.post(url, {f"q{q.pk}": "Green department", f"v{q.pk}": "1"}, **HTMX).content.decode()
    assert "data-answer-conflict" in body and 'value="Green department"' in body and "Ecology office" in body
    body = client.post(url, {f"q{q.pk}": "Green department", f"v{q.pk}": "2"}, **HTMX).content.decode()
    assert "data-answer-saved" in body and 'value="Green department"' in body and 'value="3"' in body
    assert "Last changed by" in body and "data-answer-conflict" not in body


def test_the_members_language_and_time_zone_pick_the_fragment(client, survey, member, colleague):
    q = survey.q
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    answer = _save(portrait, q["single"], str(q["yes"].pk), member, 0)
    client.force_login(member.user)
    assert "Do you have a green infrastructure plan?" in _section(client, survey, q["single"])
    member.preferred_language = "fr"
    member.save()
    page = _section(client, survey, q["single"])
    assert "Avez-vous un plan d&#x27;infrastructure verte ?" in page and "Oui" in page
    assert "Do you have a green infrastructure plan?" not in page
    # A question with no French text shows the English one, and the page's own words in French.
    assert "Which challenges?" in page and "Autre, précisez :" in page and "Other, please say:" not in page
    member.preferred_language = "en"
    member.save()
    madrid = _section(client, survey, q["single"])
    client.force_login(colleague.user)  # same answer, another time zone
    mexico = _section(client, survey, q["single"])
    with translation.override("en"):
        from django.utils import formats, timezone

        def shown(zone):
            from zoneinfo import ZoneInfo

            return formats.date_format(timezone.localtime(answer.updated_at, ZoneInfo(zone)), "DATETIME_FORMAT")

        assert shown("Europe/Madrid") != shown("America/Mexico_City")
        assert shown("Europe/Madrid") in madrid and shown("America/Mexico_City") not in madrid
        assert shown("America/Mexico_City") in mexico and shown("Europe/Madrid") not in mexico


def test_a_builders_edit_shows_on_the_next_page_load(client, survey, member):
    q = survey.q["single"]
    client.force_login(member.user)
    assert "Do you have a green infrastructure plan?" in _section(client, survey, q)
    q.text_en = "Has your city adopted a green infrastructure plan?"
    q.save()
    survey.q["yes"].text_en = "Yes, adopted"
    survey.q["yes"].save()
    page = _section(client, survey, q)
    assert "Has your city adopted a green infrastructure plan?" in page and "Yes, adopted" in page


def test_the_preview_is_never_the_members_editable_page(client, survey, member, staff):
    from django.test import Client

    q = survey.q["short"]
    client.force_login(member.user)
    member_page = _section(client, survey, q)
    assert f'hx-post="{reverse("surveys:answer", args=[survey.pk, q.pk])}"' in member_page
    staff_client = Client()
    staff_client.force_login(staff)
    preview = staff_client.get(reverse("admin:surveys_survey_preview", args=[survey.pk])).content.decode()
    assert "hx-post" not in preview and "<fieldset disabled" in preview


def _without_badge(body):
    badge = '<span class="badge text-bg-success" data-answer-saved>Saved</span>'
    assert badge in body
    return body.replace(badge, "")


def test_the_fragment_a_save_answers_is_what_a_fresh_read_shows_for_every_kind(client, survey, member):
    """The save's fragment is drawn from what the save wrote, not read again: it must be the same."""
    q = survey.q
    client.force_login(member.user)
    values = [
        (q["single"], {"": str(q["yes"].pk)}), (q["multiple"], {"": [str(q["floods"].pk), str(q["heat"].pk)],
                                                                 "-other": "Droughts"}),
        (q["scale"], {"": "2"}), (q["number"], {"": "12,5"}), (q["short"], {"": "  Parks  "}),
        (q["long"], {"": "Line one\nline <two>"}),
        (q["ranking"], {f"-rank-{q['topics'][3].pk}": "1", f"-rank-{q['topics'][1].pk}": "2"}),
        (q["plan_name"], {"": "Plan"}),  # shown by the single choice's answer above
    ]
    for question, fields in values:
        url = reverse("surveys:answer", args=[survey.pk, question.pk])
        data = {f"q{question.pk}{suffix}": value for suffix, value in fields.items()}
        for version in ("0", "1"):  # a first save, then the same value again (nothing changes)
            saved = client.post(url, {**data, f"v{question.pk}": version}, **HTMX).content.decode()
            assert _without_badge(saved) == client.get(url).content.decode(), question.kind
    cleared = client.post(reverse("surveys:answer", args=[survey.pk, q["short"].pk]),
                          {f"q{q['short'].pk}": "", f"v{q['short'].pk}": "1"}, **HTMX).content.decode()
    assert _without_badge(cleared) == client.get(reverse("surveys:answer", args=[survey.pk, q["short"].pk])
                                                 ).content.decode()
    assert 'value="2"' in cleared
