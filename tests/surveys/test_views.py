"""The member's portrait pages through the client: permissions, autosave fragments, the Save button
without JavaScript, conflicts, dates, submit, and query counts at two sizes."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone

from surveys import selectors, services
from surveys.models import Answer, Portrait, PortraitStatus

from ..factories import MemberFactory, UserFactory
from ..portal.test_no_500 import NASTY
from .conftest import make_survey

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def urls(survey):
    q = survey.q
    section = q["single"].section_id
    return [
        reverse("surveys:portrait", args=[survey.pk]),
        reverse("surveys:section", args=[survey.pk, section]),
        reverse("surveys:submit", args=[survey.pk]),
        reverse("surveys:answer", args=[survey.pk, q["short"].pk]),
    ]


# ------------------------------------------------------------------------------ permissions
@pytest.mark.parametrize("who", ["anonymous", "pending", "staff_without_membership"])
def test_people_who_are_not_approved_members_get_no_portrait_page(client, survey, pending_member, who):
    if who == "pending":
        client.force_login(pending_member.user)
    elif who == "staff_without_membership":
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in urls(survey):
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        elif who == "pending":
            assert response.status_code == 302 and response["Location"] == reverse("community:membership_status")
        else:
            assert response.status_code == 403
    response = client.post(urls(survey)[3], {f"q{survey.q['short'].pk}": "x", f"v{survey.q['short'].pk}": "0"},
                           **HTMX)
    assert response.status_code in (302, 403)
    assert not Answer.objects.exists()


def test_another_organisation_never_sees_nor_changes_our_portrait(client, survey, member, other_member):
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    services.answer_save(portrait=portrait, question=survey.q["short"], value="Barcelona's secret", member=member,
                         base_version=0)
    client.force_login(other_member.user)
    section = reverse("surveys:section", args=[survey.pk, survey.q["short"].section_id])
    assert "Barcelona's secret" not in client.get(section).content.decode()
    client.post(reverse("surveys:answer", args=[survey.pk, survey.q["short"].pk]),
                {f"q{survey.q['short'].pk}": "Overwritten", f"v{survey.q['short'].pk}": "1"}, **HTMX)
    # The save went to Montréal's own portrait: Barcelona's answer is untouched.
    assert Answer.objects.get(portrait=portrait).value == "Barcelona's secret"
    assert Answer.objects.get(portrait__organisation=other_member.organisation).value == "Overwritten"


def test_survey_of_a_draft_edition_is_not_found(client, survey, member):
    survey.edition.status = "draft"
    survey.edition.save()
    client.force_login(member.user)
    assert client.get(reverse("surveys:portrait", args=[survey.pk])).status_code == 404


# ------------------------------------------------------------------------------ member flow
def test_autosave_returns_the_fragment_saved_and_who_changed_it(client, survey, member):
    client.force_login(member.user)
    q = survey.q["number"]
    response = client.post(reverse("surveys:answer", args=[survey.pk, q.pk]),
                           {f"q{q.pk}": "35", f"v{q.pk}": "0"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "data-answer-saved" in body and f'name="v{q.pk}" value="1"' in body
    assert f"Last changed by {member.full_name}" in body
    assert Answer.objects.get().value == "35"


@pytest.mark.parametrize("value", ["-5", "abc", "9" * 30, "\u202e", "<script>"])
def test_autosave_bad_value_shows_the_error_next_to_the_question_and_keeps_the_answer(client, survey, member, value):
    client.force_login(member.user)
    q = survey.q["number"]
    url = reverse("surveys:answer", args=[survey.pk, q.pk])
    client.post(url, {f"q{q.pk}": "35", f"v{q.pk}": "0"}, **HTMX)
    response = client.post(url, {f"q{q.pk}": value, f"v{q.pk}": "1"}, **HTMX)
    assert response.status_code == 200
    assert "data-answer-error" in response.content.decode()
    assert "<script>" not in response.content.decode()
    assert Answer.objects.get().value == "35"


@pytest.mark.parametrize("data", [
    {"v{pk}": "not-a-number", "q{pk}": "x"},
    {"q{pk}-rank-999": "1"},
])
def test_autosave_with_a_forged_form_is_a_clear_error(client, survey, member, data):
    client.force_login(member.user)
    q = survey.q["short"]
    data = {key.format(pk=q.pk): value for key, value in data.items()}
    response = client.post(reverse("surveys:answer", args=[survey.pk, q.pk]), data, **HTMX)
    assert response.status_code == 200


def test_autosave_of_an_unknown_question_is_404(client, survey, member):
    client.force_login(member.user)
    other = make_survey(survey.edition.__class__.objects.create(year=2021, theme="Next", status="open"))
    response = client.post(reverse("surveys:answer", args=[survey.pk, other.q["short"].pk]),
                           {f"q{other.q['short'].pk}": "x"}, **HTMX)
    assert response.status_code == 404
    assert not Answer.objects.exists()


def test_autosave_conflict_shows_the_colleagues_value_name_and_time(client, survey, member):
    colleague = MemberFactory(organisation=member.organisation, user__first_name="Ada", user__last_name="Colau")
    q = survey.q["short"]
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    services.answer_save(portrait=portrait, question=q, value="Parks", member=member, base_version=0)
    services.answer_save(portrait=portrait, question=q, value="Ecology office", member=colleague, base_version=1)
    client.force_login(member.user)
    url = reverse("surveys:answer", args=[survey.pk, q.pk])
    response = client.post(url, {f"q{q.pk}": "Green department", f"v{q.pk}": "1"}, **HTMX)
    body = response.content.decode()
    assert "data-answer-conflict" in body
    assert "Ada Colau" in body and "Ecology office" in body
    assert 'value="Green department"' in body  # the member's own value is still in the form
    assert f'name="v{q.pk}" value="2"' in body  # "keep mine" saves knowingly over version 2
    assert Answer.objects.get().value == "Ecology office"
    response = client.post(url, {f"q{q.pk}": "Green department", f"v{q.pk}": "2"}, **HTMX)
    assert "data-answer-saved" in response.content.decode()
    assert Answer.objects.get().value == "Green department"


def test_save_button_without_javascript_saves_the_section_and_redirects(client, survey, member):
    q = survey.q
    client.force_login(member.user)
    url = reverse("surveys:section", args=[survey.pk, q["single"].section_id])
    data = {f"q{q['single'].pk}": str(q["yes"].pk), f"q{q['multiple'].pk}": [str(q["heat"].pk)],
            f"q{q['multiple'].pk}-other": "Droughts", f"q{q['scale'].pk}": "3", f"q{q['number'].pk}": "12",
            f"q{q['short'].pk}": "Parks", f"q{q['long'].pk}": "", f"q{q['ranking'].pk}-rank-{q['topics'][1].pk}": "1",
            "next": ""}
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:section", args=[survey.pk, q["plan_name"].section_id])
    assert Answer.objects.filter(is_answered=True).count() == 6
    # Coming back (another device, a new session) shows every answer.
    client.logout()
    client.force_login(member.user)
    body = client.get(url).content.decode()
    assert 'value="Parks"' in body and 'value="Droughts"' in body and "6 of 7 questions answered" not in body


def test_save_button_with_one_bad_value_saves_the_rest_and_shows_the_error(client, survey, member):
    q = survey.q
    client.force_login(member.user)
    url = reverse("surveys:section", args=[survey.pk, q["single"].section_id])
    response = client.post(url, {f"q{q['short'].pk}": "Parks", f"q{q['number'].pk}": "-3"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-answer-error" in body and 'value="-3"' in body
    assert list(Answer.objects.values_list("value", flat=True)) == ["Parks"]


def test_the_section_sent_as_the_member_leaves_saves_what_it_can_and_leaves_no_message(client, survey, member):
    """static/js/portal.js sends the section's form this way on leaving the page: nobody reads the answer,
    and no "saved" or error message may wait for the member on another page."""
    q = survey.q
    client.force_login(member.user)
    url = reverse("surveys:section", args=[survey.pk, q["single"].section_id])
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    services.answer_save(portrait=portrait, question=q["long"], value="Our plan", member=member, base_version=0)
    # The questions sent (those the page changed) are saved; the long text, not sent, is kept as it was.
    response = client.post(url, {f"q{q['short'].pk}": "Parks", f"v{q['short'].pk}": "0",
                                 f"q{q['number'].pk}": "-3", f"v{q['number'].pk}": "0"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.content == b""
    assert sorted(Answer.objects.values_list("value", flat=True)) == ["Our plan", "Parks"]
    page = client.get(reverse("community:dashboard")).content.decode()
    assert "Some answers were not saved" not in page and "Your answers are saved" not in page


def test_section_page_shows_the_conditional_question_only_when_it_applies(client, survey, member):
    q = survey.q
    client.force_login(member.user)
    url = reverse("surveys:section", args=[survey.pk, q["plan_name"].section_id])
    assert f'class="card mb-3 question d-none" data-question="{q["plan_name"].pk}"' in client.get(url).content.decode()
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    services.answer_save(portrait=portrait, question=q["single"], value=str(q["yes"].pk), member=member,
                         base_version=0)
    assert f'class="card mb-3 question" data-question="{q["plan_name"].pk}"' in client.get(url).content.decode()


def test_french_member_reads_the_survey_in_french(client, survey, member):
    member.preferred_language = "fr"
    member.save()
    client.force_login(member.user)
    body = client.get(reverse("surveys:section", args=[survey.pk, survey.q["single"].section_id])).content.decode()
    assert "Avez-vous un plan d&#x27;infrastructure verte ?" in body and "Oui" in body
    assert "Which challenges?" in body  # no French text: English is the fallback


def test_submit_lists_missing_questions_with_links_then_confirms(client, survey, member,
                                                                 django_capture_on_commit_callbacks):
    q = survey.q
    client.force_login(member.user)
    submit = reverse("surveys:submit", args=[survey.pk])
    response = client.post(submit, {"show_to_peers": "on"})
    body = response.content.decode()
    assert f'href="{reverse("surveys:section", args=[survey.pk, q["number"].section_id])}#q-{q["number"].pk}"' in body
    portrait = Portrait.objects.get()
    services.answer_save(portrait=portrait, question=q["single"], value=str(q["no"].pk), member=member,
                         base_version=0)
    services.answer_save(portrait=portrait, question=q["number"], value="7", member=member, base_version=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(submit, {"show_to_peers": "on"})
    assert response["Location"] == reverse("surveys:submitted", args=[survey.pk])
    portrait.refresh_from_db()
    assert portrait.status == PortraitStatus.SUBMITTED and portrait.show_to_peers
    assert "submitted" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1


# ------------------------------------------------------------------------------ dates
def test_before_opening_the_page_says_when_in_the_members_zone(client, edition, member):
    member.time_zone = "America/Mexico_City"
    member.save()
    opens = (timezone.now() + timedelta(days=3)).replace(hour=14, minute=30, second=0, microsecond=0)
    survey = make_survey(edition, opens_at=opens, closes_at=opens + timedelta(days=20))
    client.force_login(member.user)
    body = client.get(reverse("surveys:section", args=[survey.pk, survey.q["single"].section_id])).content.decode()
    assert 'data-portrait-status="not_open"' in body
    # 14:30 UTC is 8:30 in Mexico City (UTC-6 all year).
    local = formats.date_format(timezone.localtime(opens, ZoneInfo("America/Mexico_City")), "DATETIME_FORMAT")
    assert "8:30 a.m." in local
    assert f"The survey opens on {local} (Mexico City)" in body
    response = client.post(reverse("surveys:answer", args=[survey.pk, survey.q["short"].pk]),
                           {f"q{survey.q['short'].pk}": "x"}, **HTMX)
    assert "data-answer-error" in response.content.decode()
    assert not Answer.objects.exists()


def test_after_closing_saving_is_refused_and_the_draft_stays(client, edition, member):
    now = timezone.now()
    survey = make_survey(edition, opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=1))
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    services.answer_save(portrait=portrait, question=survey.q["short"], value="Draft", member=member, base_version=0)
    survey.closes_at = now - timedelta(minutes=1)
    survey.save()
    client.force_login(member.user)
    q = survey.q["short"]
    response = client.post(reverse("surveys:answer", args=[survey.pk, q.pk]), {f"q{q.pk}": "Late", f"v{q.pk}": "1"},
                           **HTMX)
    assert "closed" in response.content.decode()
    response = client.post(reverse("surveys:section", args=[survey.pk, q.section_id]), {f"q{q.pk}": "Late"})
    assert response.status_code == 409 and "closed" in response.content.decode()
    assert client.post(reverse("surveys:submit", args=[survey.pk])).status_code == 302
    assert Answer.objects.get().value == "Draft"
    portrait.refresh_from_db()
    assert portrait.status == PortraitStatus.DRAFT


# ------------------------------------------------------------------------------ dashboard
def test_dashboard_step_follows_the_portrait(client, survey, member):
    client.force_login(member.user)
    dashboard = reverse("community:dashboard")
    assert "To do" in client.get(dashboard).content.decode()
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    services.answer_save(portrait=portrait, question=survey.q["short"], value="x", member=member, base_version=0)
    body = client.get(dashboard).content.decode()
    assert "Draft: 1 of 7 questions answered" in body  # the plan's name is hidden until "yes"
    assert reverse("surveys:portrait", args=[survey.pk]) in body
    services.answer_save(portrait=portrait, question=survey.q["single"], value=str(survey.q["no"].pk), member=member,
                         base_version=0)
    services.answer_save(portrait=portrait, question=survey.q["number"], value="1", member=member, base_version=0)
    services.portrait_submit(portrait=portrait, member=member)
    assert "Submitted. You can still edit it" in client.get(dashboard).content.decode()
    survey.closes_at = timezone.now() - timedelta(seconds=1)
    survey.opens_at = survey.closes_at - timedelta(days=1)
    survey.save()
    assert "Submitted." in client.get(dashboard).content.decode()


def test_dashboard_step_closed_and_not_yet_open(client, edition, member):
    now = timezone.now()
    survey = make_survey(edition, opens_at=now - timedelta(days=10), closes_at=now - timedelta(days=1))
    client.force_login(member.user)
    assert "The survey closed before your portrait was submitted." in client.get(
        reverse("community:dashboard")).content.decode()
    survey.opens_at, survey.closes_at = now + timedelta(days=1), now + timedelta(days=2)
    survey.save()
    page = client.get(reverse("community:dashboard")).content.decode()
    assert "Opens " in page
    assert reverse("surveys:portrait", args=[survey.pk]) not in page  # nothing to act on before it opens


# ------------------------------------------------------------------------------ query counts
@pytest.mark.parametrize("extra", [10, 60])
def test_section_page_queries_do_not_grow_with_questions(client, edition, member, extra,
                                                         django_assert_max_num_queries):
    survey = make_survey(edition, questions_per_section=extra)
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    services.answer_save(portrait=portrait, question=survey.q["single"], value=str(survey.q["yes"].pk),
                         member=member, base_version=0)
    extra_questions = list(survey.sections.get(order=2).questions.exclude(pk=survey.q["plan_name"].pk))
    for question in extra_questions[:5]:
        services.answer_save(portrait=portrait, question=question, value="x", member=member, base_version=0)
    client.force_login(member.user)
    url = reverse("surveys:section", args=[survey.pk, survey.q["plan_name"].section_id])
    with django_assert_max_num_queries(9):
        response = client.get(url)
    assert response.content.decode().count('class="card mb-3 question') == extra + 1


def test_portrait_step_costs_three_queries_for_any_number_of_members(survey, django_assert_num_queries):
    from community import steps

    from ..factories import OrganisationFactory

    step = next(s for s in steps.registered() if s.key == "surveys.portrait")
    members = [MemberFactory(organisation=OrganisationFactory()) for _ in range(8)]
    for member in members:  # every portrait a draft, with the choice that shows the conditional question
        portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
        services.answer_save(portrait=portrait, question=survey.q["single"], value=str(survey.q["yes"].pk),
                             member=member, base_version=0)
    selectors.survey_questions(survey)  # the questions come from the cache the portrait's pages fill
    for count in (1, 8):
        with django_assert_num_queries(3):
            states = step.for_members(members[:count], survey.edition)
        assert [state.detail for state in states.values()] == ["Draft: 1 of 8 questions answered."] * count


def test_the_dashboard_counts_the_questions_the_portrait_shows(client, survey, member):
    """The walk of 2026-11-29: the dashboard counted the questions an answer hides ("6 of 24") where the
    portrait's pages said "6 of 21"."""
    q = survey.q
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    client.force_login(member.user)
    for choice, total in ((q["no"], 7), (q["yes"], 8)):  # "yes" shows the plan's name
        services.answer_save(portrait=portrait, question=q["single"], value=str(choice.pk), member=member,
                             base_version=0 if choice == q["no"] else 1)
        dashboard = client.get(reverse("community:dashboard")).content.decode()
        assert f"Draft: 1 of {total} questions answered." in dashboard
        assert f"1 of {total} questions answered" in client.get(reverse("surveys:portrait", args=[survey.pk])
                                                                ).content.decode()


@pytest.mark.parametrize("value", NASTY)
def test_nasty_values_to_every_question_never_give_a_server_error(client, survey, member, value, unrendered):
    """Each question's fragment is rendered with the value; the whole section page is rendered once with
    the value in every question, then not again for each question alone (its saves still run)."""
    client.raise_request_exception = True
    client.force_login(member.user)
    section = survey.q["single"].section
    every = {}
    for question in section.survey.sections.first().questions.all():
        fields = {f"q{question.pk}": value, f"q{question.pk}-other": value, f"v{question.pk}": value}
        fields.update({f"q{question.pk}-rank-{c.pk}": value for c in question.choices.all()})
        every.update(fields)
        with unrendered.off():
            assert client.post(reverse("surveys:answer", args=[survey.pk, question.pk]), fields,
                               **HTMX).status_code == 200
        assert client.post(reverse("surveys:section", args=[survey.pk, question.section_id]),
                           fields).status_code in (200, 302)
    with unrendered.off():
        assert client.post(reverse("surveys:section", args=[survey.pk, section.pk]), every).status_code in (200, 302)
        assert client.post(reverse("surveys:submit", args=[survey.pk]), {"show_to_peers": value}).status_code < 500


def test_section_page_shows_each_stored_answer_picked_and_nothing_else(client, survey, member):
    """The fragment gets its ids and picked flags ready-made (issue 9 performance): each stored choice,
    scale point and rank is checked or selected, and only those."""
    q = survey.q
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    for question, value in ((q["single"], str(q["no"].pk)), (q["multiple"], [str(q["floods"].pk)]),
                            (q["scale"], "4"), (q["ranking"], [q["topics"][2].pk, q["topics"][0].pk])):
        services.answer_save(portrait=portrait, question=question, value=value, member=member, base_version=0)
    client.force_login(member.user)
    page = client.get(reverse("surveys:section", args=[survey.pk, q["single"].section_id])).content.decode()
    single, multiple, scale, ranking = q["single"].pk, q["multiple"].pk, q["scale"].pk, q["ranking"].pk
    assert f'id="q{single}-{q["no"].pk}" value="{q["no"].pk}" checked>' in page
    assert f'id="q{single}-{q["yes"].pk}" value="{q["yes"].pk}">' in page
    assert f'id="q{multiple}-{q["floods"].pk}" value="{q["floods"].pk}" checked>' in page
    assert f'id="q{multiple}-{q["heat"].pk}" value="{q["heat"].pk}">' in page
    assert f'id="q{scale}-4" value="4" checked>' in page and page.count(" checked>") == 3
    selects = {topic.pk: page.split(f'id="q{ranking}-rank-{topic.pk}">')[1].split("</select>")[0]
               for topic in q["topics"]}
    assert '<option value="1" selected>1</option>' in selects[q["topics"][2].pk]
    assert '<option value="2" selected>2</option>' in selects[q["topics"][0].pk]
    assert sum(s.count(" selected") for s in selects.values()) == 2
    assert all(s.count("<option value=") == 3 for s in selects.values())  # "—", 1 and 2 (rank up to 2)


@pytest.mark.parametrize("extra", [10, 60])
def test_answer_save_queries_do_not_grow_with_questions(client, edition, member, extra, django_assert_max_num_queries):
    survey = make_survey(edition, questions_per_section=extra)
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    extra_questions = list(survey.sections.get(order=2).questions.exclude(pk=survey.q["plan_name"].pk))
    for question in extra_questions[:5]:
        services.answer_save(portrait=portrait, question=question, value="x", member=member, base_version=0)
    client.force_login(member.user)
    q = survey.q["multiple"]
    url = reverse("surveys:answer", args=[survey.pk, q.pk])
    client.get(reverse("surveys:section", args=[survey.pk, q.section_id]))  # the survey's questions cached
    with django_assert_max_num_queries(18):
        response = client.post(url, {f"q{q.pk}": [str(survey.q["heat"].pk)],
                                     f"v{q.pk}": "0"}, **HTMX)
    assert "data-answer-saved" in response.content.decode()
    with django_assert_max_num_queries(18):
        response = client.post(url, {f"q{q.pk}": [str(survey.q["floods"].pk)], f"v{q.pk}": "1"}, **HTMX)
    assert "data-answer-saved" in response.content.decode()
