"""Two colleagues fill in one portrait in two browsers (one in French), with autosave, a conflict,
a question that shows itself live, and the submission; no CSP violation, nothing from outside."""

import pytest
from django.urls import reverse

from surveys.models import Answer, Portrait, PortraitStatus, Question, QuestionKind

from ..conftest import wait_for
from ..factories import EditionFactory, MemberFactory, OrganisationFactory
from .conftest import make_survey

pytestmark = pytest.mark.django_db(transaction=True)


def answer_saved(page, question):
    """An answer is saved 500 ms after its change (hx-trigger="change delay:500ms"): the page's clock
    (installed by ``open_colleague``) jumps over that wait instead of waiting it out."""
    page.clock.fast_forward(500)
    page.locator(f"#q-{question.pk} [data-answer-saved]").wait_for()


def open_colleague(open_page, member):
    page = open_page(None, signed_in_as=member.user)
    page.clock.install()  # runs on as a clock does; answer_saved() moves it on
    return page


def test_two_colleagues_fill_in_one_portrait_one_in_french(open_page, live_server):
    survey = make_survey(EditionFactory())
    q = survey.q
    live = Question.objects.create(section=q["single"].section, order=8, kind=QuestionKind.SHORT_TEXT,
                                   text="Who adopted the plan?", text_fr="Qui a adopté le plan ?",
                                   show_if_question=q["single"])
    live.show_if_choices.set([q["yes"]])
    organisation = OrganisationFactory(name="Barcelona Metropolitan Area")
    ana = MemberFactory(organisation=organisation, user__email="ana@amb.example", user__first_name="Ana",
                        user__last_name="Puig")
    luc = MemberFactory(organisation=organisation, user__email="luc@amb.example", user__first_name="Luc",
                        user__last_name="Martin", preferred_language="fr", time_zone="Europe/Paris")
    section = reverse("surveys:section", args=[survey.pk, q["single"].section_id])

    first = open_colleague(open_page, ana)
    first.goto(live_server.url + section)
    assert not first.locator(f"#q-{live.pk}").is_visible()
    first.check(f"#q{q['single'].pk}-{q['yes'].pk}")  # saves by itself, and shows the conditional question
    answer_saved(first, q["single"])
    assert first.locator(f"#q-{live.pk}").is_visible()
    first.fill(f"#q{q['short'].pk}-input", "Parks department")
    first.press(f"#q{q['short'].pk}-input", "Tab")
    answer_saved(first, q["short"])

    second = open_colleague(open_page, luc)
    second.goto(live_server.url + section)
    assert "Avez-vous un plan d'infrastructure verte ?" in second.content()
    assert second.is_checked(f"#q{q['single'].pk}-{q['yes'].pk}")  # Ana's answer, in Luc's browser
    assert "Dernière modification par Ana Puig" in second.locator(f"#q-{q['short'].pk}").inner_text()
    second.fill(f"#q{q['short'].pk}-input", "Service écologie urbaine")
    second.press(f"#q{q['short'].pk}-input", "Tab")
    answer_saved(second, q["short"])
    second.fill(f"#q{q['number'].pk}-input", "25")
    second.press(f"#q{q['number'].pk}-input", "Tab")
    answer_saved(second, q["number"])

    # Ana's page still shows her own version: her next change is refused and she sees Luc's.
    first.fill(f"#q{q['short'].pk}-input", "Green department")
    first.press(f"#q{q['short'].pk}-input", "Tab")
    conflict = first.locator(f"#q-{q['short'].pk} [data-answer-conflict]")
    conflict.wait_for()
    assert "Luc Martin" in conflict.inner_text() and "Service écologie urbaine" in conflict.inner_text()
    assert Answer.objects.get(question=q["short"]).value == "Service écologie urbaine"
    conflict.locator("[data-keep-mine]").click()
    answer_saved(first, q["short"])
    assert Answer.objects.get(question=q["short"]).value == "Green department"

    # Luc submits: the plan's name is still missing, linked; he fills it in and submits.
    second.goto(live_server.url + reverse("surveys:submit", args=[survey.pk]))
    second.click("button[type=submit].btn-primary")
    second.wait_for_load_state()
    missing = second.locator("[data-missing] a")
    assert missing.count() == 1
    missing.click()
    second.wait_for_url(f"**#q-{q['plan_name'].pk}")
    second.fill(f"#q{q['plan_name'].pk}-input", "Pla Verd")
    second.press(f"#q{q['plan_name'].pk}-input", "Tab")
    answer_saved(second, q["plan_name"])
    second.goto(live_server.url + reverse("surveys:submit", args=[survey.pk]))
    second.click("button[type=submit].btn-primary")
    second.wait_for_url("**/submitted/")
    assert "Merci : votre portrait est envoyé" in second.content()
    portrait = Portrait.objects.get()
    assert portrait.status == PortraitStatus.SUBMITTED and portrait.submitted_by == luc
    assert set(portrait.respondents.values_list("member__user__email", flat=True)) == {ana.user.email, luc.user.email}
    assert first.problems == [] and second.problems == []


def test_answers_typed_just_before_leaving_are_kept_and_the_questions_fit_a_phone(open_page, live_server):
    """The walk of 2026-11-29: a typed answer was sent only once its box lost the focus, half a second
    later, and leaving by a link cancelled it; and the first option of a choice or scale question sat
    beside the question's text (at 375 px over its words, the scale past the window's edge)."""
    survey = make_survey(EditionFactory())
    q = survey.q
    member = MemberFactory(preferred_language="fr")
    section = reverse("surveys:section", args=[survey.pk, q["single"].section_id])
    page = open_page(section, signed_in_as=member.user, viewport={"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for key in ("single", "multiple", "scale"):
        legend = page.locator(f"#q-{q[key].pk} legend").bounding_box()
        first = page.locator(f"#q-{q[key].pk} .form-check-input").first.bounding_box()
        assert first["y"] >= legend["y"] + legend["height"] - 1, key  # under the question, not beside it
    page.fill(f"#q{q['short'].pk}-input", "Service des parcs")
    page.fill(f"#q{q['number'].pk}-input", "12,5")
    # The next page is not asked of the server: the test database (SQLite in memory, shared by the live
    # server's threads) refuses a read while the request sent on leaving writes.
    next_section = reverse("surveys:section", args=[survey.pk, q["plan_name"].section_id])
    page.route(f"**{next_section}", lambda route: route.fulfill(body="<p>next</p>", content_type="text/html"))
    page.get_by_role("link", name="Plans →").click()  # at once, the number's box still focused
    page.wait_for_url(f"**{next_section}")
    wait_for(lambda: Answer.objects.filter(question__in=[q["short"], q["number"]]).count() == 2)
    assert {a.question_id: a.value for a in Answer.objects.all()} == {q["short"].pk: "Service des parcs",
                                                                      q["number"].pk: "12.5"}
    assert page.problems == []


def test_leaving_saves_only_what_changed_never_over_a_colleagues_answer(open_page, live_server):
    """The review of 2026-11-29: the answers sent on leaving were the whole section, so a question showing
    a colleague's newer answer (the member's own value still in its box, to keep or not) was saved over it
    without the member choosing."""
    from surveys import services

    survey = make_survey(EditionFactory())
    q = survey.q
    organisation = OrganisationFactory()
    ana, luc = MemberFactory(organisation=organisation), MemberFactory(organisation=organisation)
    section = reverse("surveys:section", args=[survey.pk, q["single"].section_id])
    page = open_page(section, signed_in_as=ana.user)
    portrait = services.portrait_get_or_create(survey=survey, organisation=organisation)
    services.answer_save(portrait=portrait, question=q["short"], value="Ecology office", member=luc, base_version=0)
    page.fill(f"#q{q['short'].pk}-input", "Green department")
    page.press(f"#q{q['short'].pk}-input", "Tab")  # Ana's save meets Luc's: she is asked which to keep
    page.locator(f"#q-{q['short'].pk} [data-answer-conflict]").wait_for()
    page.fill(f"#q{q['long'].pk}-input", "Green corridors along both rivers.")
    next_section = reverse("surveys:section", args=[survey.pk, q["plan_name"].section_id])
    page.route(f"**{next_section}", lambda route: route.fulfill(body="<p>next</p>", content_type="text/html"))
    page.get_by_role("link", name="Plans →").click()
    page.wait_for_url(f"**{next_section}")
    wait_for(lambda: Answer.objects.filter(question=q["long"]).exists())
    assert Answer.objects.get(question=q["long"]).value == "Green corridors along both rivers."
    assert Answer.objects.get(question=q["short"]).value == "Ecology office"  # Luc's, until Ana chooses
    assert page.problems == []
