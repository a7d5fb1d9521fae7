"""City Managers Days end to end, in a real browser: a member applies, a reviewer scores, staff select,
grant and send the decisions, the member opens the decision email's link, confirms and picks a site
visit. Staff and reviewer sign in with the real second factor. What each person sees is asserted at
every step; no CSP violation, no console error, nothing loaded from outside."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from events.models import Application, Confirmation, Decision, EligibilityException, Review, SiteVisitPick
from mailings.models import OutboxMessage

from ..conftest import browser_sign_in, wait_for
from ..factories import EditionFactory, MemberFactory, OrganisationFactory
from .conftest import make_criteria, make_days, make_reviewer
from .days_programme_helpers import make_session, make_visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_second_factor]


def test_apply_review_select_send_confirm_and_pick_a_site_visit(open_page, live_server, staff):
    edition = EditionFactory()
    event = make_days(edition, passes=5, nights=20, euros="5000.00")
    criteria = make_criteria(event, 3, 2, 1)
    make_session(event, title="Opening plenary")
    visit = make_visit(event, title="Visit: Superblocks of Sant Antoni", capacity=2)
    ana = MemberFactory(organisation=OrganisationFactory(name="Barcelona Metropolitan Area", country="ES"),
                        user__email="ana@amb.example", user__first_name="Ana", user__last_name="García")
    EligibilityException.objects.create(event=event, member=ana, reason="Sent the portrait by email",
                                        granted_by=staff)
    reviewer = make_reviewer(email="reviewer@jury.example")
    first_night = event.starts_at.date() - timedelta(days=1)

    # 1. The member: from the dashboard's step to the application form, filled in and submitted.
    member_page = open_page("/dashboard/", signed_in_as=ana.user)  # where signing in leads
    step = member_page.locator("[data-step='events.days']")
    assert "You can apply" in step.inner_text()
    step.locator(f"a[href='{reverse('events:application', args=[event.pk])}']").click()
    member_page.wait_for_url(f"**{reverse('events:application', args=[event.pk])}")
    assert "You have not applied yet." in member_page.locator("[data-application-status='none']").inner_text()
    member_page.click("button[value=submit]")  # empty: the errors, nothing submitted
    assert member_page.locator("#error_1_id_motivation, #id_motivation.is-invalid").count() >= 1
    assert not Application.objects.filter(member=ana, status="submitted").exists()
    member_page.fill("#id_motivation", "We are greening 40 km of river banks.")
    member_page.fill("#id_contribution", "Our green corridors plan and its budget.")
    member_page.check("#id_expo_pass_wanted")
    member_page.check("#id_travel_support_wanted")
    member_page.fill("#id_travel_cost_estimate", "1.500,50")
    member_page.fill("#id_first_night", first_night.isoformat())
    member_page.fill("#id_nights_wanted", "2")
    member_page.click("button[value=submit]")
    member_page.wait_for_selector("[data-application-status='submitted']")
    assert "Your application is submitted" in member_page.locator(".alert-success").inner_text()
    application = Application.objects.get(event=event, member=ana)
    assert (application.status, str(application.travel_cost_estimate), application.nights_wanted) == (
        "submitted", "1500.50", 2)

    # 2. The reviewer: signs in with the authenticator code (through the pages, as nowhere else), "My
    # reviews", scores, back to the list.
    Review.objects.create(application=application, reviewer=reviewer)
    reviewer_page = open_page(reverse("events:my_reviews"))
    browser_sign_in(reviewer_page, reviewer.email)
    reviewer_page.wait_for_url(f"**{reverse('events:my_reviews')}")
    row = reviewer_page.locator(f"tr[data-application='{application.pk}']")
    assert row.get_attribute("data-state") == "to_do"
    row.locator("a").first.click()
    reviewer_page.wait_for_url(f"**{reverse('events:review', args=[application.pk])}")
    assert "40 km of river banks" in reviewer_page.locator("#application").inner_text()
    for criterion, value in zip(criteria, (5, 3, 1), strict=True):
        reviewer_page.check(f"#criterion-{criterion.pk} input[value='{value}']")
    reviewer_page.fill("textarea[name=comment]", "Concrete and transferable.")
    reviewer_page.click("main button[type=submit]")
    reviewer_page.wait_for_url(f"**{reverse('events:my_reviews')}")
    row = reviewer_page.locator(f"tr[data-application='{application.pk}']")
    assert row.get_attribute("data-state") == "scored" and "3.67" in row.inner_text()

    # 3. Staff: the board from the admin's index, select, grant, "Send decisions…" and its confirmation.
    staff_page = open_page("/admin/", signed_in_as=staff)
    staff_page.click(f"a[href='{reverse('events:staff_board_current')}']")
    staff_page.wait_for_url(f"**{reverse('events:staff_board', args=[event.pk])}")
    row = staff_page.locator(f"#application-{application.pk}")
    assert "3.67" in row.inner_text() and "Barcelona Metropolitan Area" in row.inner_text()
    row.locator(f"button[name=decision][value='{Decision.SELECTED}']").click()
    staff_page.wait_for_selector(f"#application-{application.pk}[data-decision='selected'] [data-draft]")
    assert staff_page.locator("[data-meter='places']").inner_text().strip().startswith("1 of 10")
    row = staff_page.locator(f"#application-{application.pk}")
    row.locator(f"#pass-{application.pk}").check()
    row.locator(f"#nights-{application.pk}").fill("2")
    row.locator(f"#euros-{application.pk}").fill("1200")
    row.locator(".board-grant button[type=submit]").click()
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(staff_page.locator("[data-meter='euros']")).to_contain_text("1,200.00 of 5,000.00 EUR")
    assert "2 of 20" in staff_page.locator("[data-meter='nights']").inner_text()
    assert "1 of 5" in staff_page.locator("[data-meter='passes']").inner_text()
    # The meters were swapped in place, at the top (the walk of 2026-11-29: after each decision or grant a
    # copy landed inside the applications' table, with another "Send decisions…" button).
    assert staff_page.locator("#board-meters").count() == 1 and staff_page.locator("table #board-meters").count() == 0
    assert staff_page.locator(f"a[href='{reverse('events:staff_board_send', args=[event.pk])}']").count() == 1
    staff_page.click(f"a[href='{reverse('events:staff_board_send', args=[event.pk])}']")
    staff_page.wait_for_url(f"**{reverse('events:staff_board_send', args=[event.pk])}")
    assert "1 selected" in staff_page.locator("[data-send='selected']").inner_text()
    assert not OutboxMessage.objects.filter(recipient=ana.user.email, template="days_decision").exists()
    staff_page.click("main button[type=submit].btn-warning")
    staff_page.wait_for_url(f"**{reverse('events:staff_board', args=[event.pk])}")
    assert staff_page.locator("[data-to-send='0']").is_visible()
    assert staff_page.locator(f"#application-{application.pk} .badge.text-bg-success").inner_text() == "sent"

    # 4. The member: the decision email's link, the confirmation, then the programme's site visits.
    email = OutboxMessage.objects.get(recipient=ana.user.email, template="days_decision")
    assert email.language == "en" and "you are selected to take part" in email.body_text
    link = re.search(r"https?://\S+/application/", email.body_text).group(0)
    member_page.goto(link.replace(settings.PORTAL_BASE_URL, live_server.url))
    decision = member_page.locator("[data-decision='selected']")
    assert "You are selected" in decision.inner_text() and "2 nights of accommodation" in decision.inner_text()
    assert "travel support of up to 1,200.00 EUR" in decision.inner_text()
    assert "Wear your badge at all times." in member_page.locator("[data-protocol]").inner_text()
    assert member_page.input_value("#id_badge_name") == "Ana García"
    member_page.fill("#id_arrival_date", first_night.isoformat())
    member_page.fill("#id_departure_date", event.ends_at.date().isoformat())
    member_page.fill("#id_badge_name", "Ana García (AMB)")
    member_page.click("[data-confirm-form] button[type=submit]")  # the protocol not accepted: refused
    assert member_page.locator("[data-confirmation='pending']").is_visible()
    member_page.check("#id_accept_protocol")
    member_page.click("[data-confirm-form] button[type=submit]")
    member_page.wait_for_selector("[data-confirmed]")
    assert 'badge "Ana García (AMB)"' in member_page.locator("[data-confirmed]").inner_text()
    application.refresh_from_db()
    assert application.confirmation == Confirmation.CONFIRMED and application.badge_name == "Ana García (AMB)"

    member_page.click("[data-pick-visits]")
    member_page.wait_for_url(f"**{reverse('events:programme', args=[event.pk])}")
    assert member_page.locator("[data-participant]").is_visible()
    item = member_page.locator(f"[data-session='{visit.pk}']")
    assert item.locator("[data-places-left]").get_attribute("data-places-left") == "2"
    item.locator("button[value=pick]").click()
    member_page.wait_for_selector(f"[data-session='{visit.pk}'] [data-picked]")
    item = member_page.locator(f"[data-session='{visit.pk}']")
    assert "You are going." in item.inner_text() and "1 place left" in item.inner_text()
    assert SiteVisitPick.objects.filter(session=visit, application=application).exists()

    for page in (member_page, reviewer_page, staff_page):
        assert page.problems == []



def test_what_was_typed_just_before_leaving_the_application_is_kept(open_page, live_server, staff):
    """The walk of 2026-11-29: the application saves itself two seconds after the last keystroke;
    leaving by a link before then lost what was typed."""
    event = make_days(EditionFactory())
    ana = MemberFactory(preferred_language="es")
    EligibilityException.objects.create(event=event, member=ana, reason="Sent the portrait by email",
                                        granted_by=staff)
    page = open_page(reverse("events:application", args=[event.pk]), signed_in_as=ana.user)
    page.fill("#id_motivation", "Queremos aprender de los corredores verdes.")
    page.fill("#id_dietary_needs", "sin gluten")
    # The next page is not asked of the server: the test database (SQLite in memory, shared by the live
    # server's threads) refuses a read while the request sent on leaving writes.
    page.route(f"**{reverse('community:dashboard')}",
               lambda route: route.fulfill(body="<p>dashboard</p>", content_type="text/html"))
    page.click(f"main a[href='{reverse('community:dashboard')}']")  # at once
    page.wait_for_url(f"**{reverse('community:dashboard')}")
    wait_for(lambda: Application.objects.filter(member=ana).exists())
    draft = Application.objects.get(member=ana)
    assert (draft.status, draft.motivation, draft.dietary_needs) == (
        "draft", "Queremos aprender de los corredores verdes.", "sin gluten")
    assert page.problems == []
