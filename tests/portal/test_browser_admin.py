"""The admin in a real browser under the site's Content Security Policy (issue 6, item 7), reached
through the site's login and the staff second factor (items 2 and 9)."""

import pytest

from community import second_factor

from ..conftest import STAFF_TOTP_SECRET, browser_sign_in, totp_code
from ..factories import PASSWORD, MemberFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_second_factor]


def _sign_in(open_page, user, next_url):  # noqa: F811
    """Through /admin/login/ -> the site's login -> the code page, as a person would."""
    page = open_page(next_url)
    assert "/accounts/login/" in page.url
    browser_sign_in(page, user.email)
    page.wait_for_url(f"**{next_url}")
    return page


def _goto(page, path):
    response = page.goto(page.url.split("/admin/")[0] + path)
    assert response.status == 200, path
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, policy
    return response


def test_admin_pages_work_under_the_strict_policy(open_page, settings):  # noqa: F811
    settings.ROOT_URLCONF = "tests.portal.admin_widgets_urls"
    staff = UserFactory(email="csp-staff@secretariat.example", is_staff=True, is_superuser=True)
    second_factor.totp_activate(staff, STAFF_TOTP_SECRET)
    organisation = OrganisationFactory(name="Barcelona Metropolitan Area")
    for number in range(3):
        MemberFactory(organisation=organisation, user__email=f"m{number}@amb.example")

    page = _sign_in(open_page, staff, "/admin/")
    _goto(page, "/admin/")
    assert page.locator("#site-name").is_visible()
    # The staff pages' descriptions read as lines beside their titles (the walk of 2026-11-29: Django's
    # dashboard gave the titles the whole width, the descriptions a column of one letter a line).
    page.set_viewport_size({"width": 1280, "height": 800})
    widths = page.eval_on_selector_all("#staff-pages td", "cells => cells.map(c => c.getBoundingClientRect().width)")
    assert widths and min(widths) > 200, widths
    page.set_viewport_size({"width": 375, "height": 800})  # a phone: title above description, each a line
    titles = page.eval_on_selector_all("#staff-pages th", "cells => cells.map(c => c.getBoundingClientRect().width)")
    assert titles and min(titles) > 250, titles
    page.set_viewport_size({"width": 1280, "height": 800})

    # A changelist with actions: "select all" is admin/js/actions.js.
    _goto(page, "/admin/community/member/")
    page.click("#action-toggle")
    assert page.locator("input.action-select:checked").count() == 3
    assert "3 of 3 selected" in page.locator(".action-counter").inner_text()

    # A changelist without actions: its inline <style> carries the nonce.
    _goto(page, "/admin/widgets/community/user/")
    assert page.locator("#changelist").is_visible()

    # A change form with an inline ("add another" is inlines.js), date and time widgets (calendar
    # and clock), and a collapsible fieldset.
    _goto(page, f"/admin/widgets/community/organisation/{organisation.pk}/change/")
    forms_before = page.locator(".inline-related:not(.empty-form)").count()
    page.click(".add-row a")
    assert page.locator(".inline-related:not(.empty-form)").count() == forms_before + 1
    page.locator(".datetimeshortcuts a").first.click()  # "Today"
    assert page.locator("input.vDateField").first.input_value() != ""
    link = page.locator("a[id^=calendarlink]:visible").first
    link.click()
    assert page.locator("#calendarbox" + link.get_attribute("id").removeprefix("calendarlink")).is_visible()
    page.locator("fieldset.collapse summary, details summary").first.click()
    assert page.locator("input[name=website]").is_visible()

    # django-import-export's pages (the export page has two style attributes, allowed by hash).
    _goto(page, "/admin/community/member/export/")
    assert page.locator("input[type=checkbox]").count() > 3
    _goto(page, "/admin/community/organisation/import/")

    # The two-list selector of a many-to-many field (SelectFilter2.js).
    _goto(page, f"/admin/widgets/community/user/{staff.pk}/change/")
    assert page.locator("#id_groups_from").count() == 1
    assert page.problems == []


def test_staff_first_time_setup_in_the_browser_shows_the_qr_code(open_page):  # noqa: F811
    # A superuser: transactional tests flush the Secretariat group that a migration created.
    staff = UserFactory(email="new-staff@secretariat.example", is_staff=True, is_superuser=True)
    page = open_page("/admin/community/member/")
    page.fill("#id_login", staff.email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/two-factor/setup/**")
    page.click("a.btn-primary")
    page.wait_for_url("**/accounts/reauthenticate/**")  # allauth asks for the password again
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    # The QR code (an SVG data: URI) renders under the site's policy.
    qr = page.locator("img[src^='data:image/svg+xml']")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.input_value("#authenticator_secret")
    page.fill("#id_code", totp_code(secret))
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert len(page.input_value("#recovery_codes").split()) == 10
    page.click("a[href$='/two-factor/continue/']")
    page.wait_for_url("**/admin/community/member/")
    assert page.locator("#changelist").is_visible()
    assert page.problems == []
