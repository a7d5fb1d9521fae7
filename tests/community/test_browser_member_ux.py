"""Sign-up and the dashboard in a real browser (issue 8, items 7 and 8): the error summary takes the
focus and links to each field, an old spelling of the browser's zone is preselected, screenshots in
FR and ES at 1280 and 375 px (var/screenshots/, with `make screenshots`) for a person to look at.

Beside the other browser tests, not in tests/community/: a transactional test flushes the Secretariat
group that the migrations create, and tests/community/test_invitation_race.py, which runs after any
transactional test of tests/community/, needs it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from ..conftest import browser_signed_in, screenshot
from ..factories import EditionFactory, MemberFactory, OrganisationFactory
from ..surveys.conftest import make_survey
from .test_browser_account_pages import switch_language

pytestmark = pytest.mark.django_db(transaction=True)


def test_error_summary_counts_links_and_takes_the_focus(open_page):
    expect = pytest.importorskip("playwright.sync_api").expect
    OrganisationFactory(name="Barcelona Metropolitan Area")
    page = open_page("/accounts/signup/")
    page.fill("#id_email", "ana@amb.example")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    summary = page.locator("[data-error-summary]")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    links = summary.locator("a")
    count = links.count()
    assert count >= 5  # passwords, names, job title, organisation, consent
    assert f"Please correct {count} errors:" in summary.inner_text()
    hrefs = [links.nth(i).get_attribute("href") for i in range(count)]
    assert all(page.locator(href).count() == 1 for href in hrefs), hrefs
    links.filter(has_text="Job title").click()
    assert page.url.endswith("#id_job_title")
    # (Bootstrap scrolls smoothly: the assertion waits for the field to come into view.)
    expect(page.locator("#id_job_title")).to_be_in_viewport()
    assert page.problems == []


def test_an_old_spelling_of_the_browsers_zone_is_preselected_as_the_listed_zone(open_page):
    page = open_page("/accounts/signup/", timezone_id="Asia/Calcutta")
    reported = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert reported == "Asia/Calcutta"  # Chromium's ICU still reports the old name: the map is needed
    assert page.input_value("#id_time_zone") == "Asia/Kolkata"
    assert page.problems == []


@pytest.mark.parametrize("language", ["fr", "es"])
def test_screenshots_of_sign_up_and_dashboard(open_page, live_server, language):
    """At 1280 and 375 px, in one browser context per language."""
    edition = EditionFactory()
    now = timezone.now()
    make_survey(edition, opens_at=now + timedelta(days=3), closes_at=now + timedelta(days=30))
    for name in ["São Paulo", "Seoul", "Île-de-France", "eThekwini", "Montréal"]:
        OrganisationFactory(name=name)
    member = MemberFactory(user__email="direccion@ciudad.example", organisation__name="Ciudad de México",
                           time_zone="America/Mexico_City")
    widths = (1280, 375)
    page = open_page("/", viewport={"width": widths[0], "height": 900})
    switch_language(page, language)
    # Each page is loaded once and looked at in both widths (the layout is CSS media queries).
    page.goto(live_server.url + "/accounts/signup/")
    page.select_option("#id_organisation", "new")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        screenshot(page, f"signup-{language}-{width}")
    browser_signed_in(page, member.user)
    for name, path in (("dashboard", "/dashboard/"), ("member-cities", "/organisations/")):
        page.goto(live_server.url + path)
        assert page.url.endswith(path), page.url  # signed in: the page itself
        for width in widths:
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, f"{name}-{language}-{width}")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
                path, width, page.evaluate(
                    "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
                    "window.innerWidth).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))"))
    assert page.problems == []
