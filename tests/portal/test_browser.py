"""Pages in a real browser (Debian's Chromium driven by Playwright), served by a live server:
no asset from outside, no Content-Security-Policy violation, the small scripts work, phone layout.

Skipped where no Chromium is installed; under .ci/run (PORTAL_REQUIRE_BROWSER=1) it fails instead.
"""

import pytest
from django.conf import settings

from community import second_factor

from ..conftest import STAFF_TOTP_SECRET
from ..factories import PASSWORD, EditionFactory, MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)

def test_home_uses_local_assets_under_strict_csp(open_page):
    EditionFactory(theme="Green infrastructure")
    page = open_page("/")
    assert "Green infrastructure" in page.content()
    # Bootstrap (from static/vendor) and the portal's stylesheet are applied.
    background = page.eval_on_selector("nav.navbar", "el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(11, 92, 115)"
    assert page.evaluate("typeof bootstrap") == "object"
    assert page.problems == []


def test_signup_toggles_new_organisation_fields_with_the_local_script(open_page):
    organisation = OrganisationFactory(name="Barcelona Metropolitan Area")
    page = open_page("/accounts/signup/")
    new_fields = page.locator("[data-new-organisation]")
    assert not new_fields.is_visible()  # the list starts on "Choose your organisation"
    page.select_option("#id_organisation", "new")
    assert new_fields.is_visible()
    assert page.get_attribute("#id_new_organisation_name", "aria-required") == "true"
    page.select_option("#id_organisation", str(organisation.pk))
    assert not new_fields.is_visible()
    assert page.get_attribute("#id_new_organisation_name", "aria-required") == "false"
    assert page.problems == []


def test_signup_starts_with_the_browsers_time_zone(open_page):
    page = open_page("/accounts/signup/", timezone_id="America/Montevideo")
    assert page.input_value("#id_time_zone") == "America/Montevideo"
    assert page.problems == []


def test_member_logs_in_and_switches_language(open_page):
    member = MemberFactory(user__email="manager@amb.example", organisation__name="Barcelona Metropolitan Area")
    EditionFactory()
    page = open_page("/accounts/login/")
    page.fill("#id_login", member.user.email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")  # the menu's language buttons are submit buttons too
    page.wait_for_url("**/dashboard/")
    assert "Barcelona Metropolitan Area" in page.content()
    page.click("#language-menu")
    with page.expect_navigation():
        page.click("button[name=language][value=fr]")
    assert page.get_attribute("html", "lang") == "fr"
    # The pages only: the member's emails keep their language, and a note says so.
    assert "Vos e-mails restent en anglais." in page.content()
    member.refresh_from_db()
    assert member.preferred_language == "en"
    assert page.problems == []


def test_phone_layout_collapses_the_menu(open_page):
    page = open_page("/", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    assert page.locator(".navbar-toggler").is_visible()
    assert not page.locator("#nav").is_visible()
    page.click(".navbar-toggler")
    page.locator("#nav").wait_for(state="visible")
    assert page.problems == []


def test_static_files_do_not_come_from_a_cdn():
    for path in (settings.BASE_DIR / "templates").rglob("*.html"):
        text = path.read_text()
        for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "googleapis", "bootstrapcdn"):
            assert cdn not in text, f"{path} loads from {cdn}"


@pytest.mark.urls("tests.portal.urls_staff_htmx")
def test_staff_page_htmx_post_sends_the_csrf_token_under_the_csp(open_page, live_server):
    """Staff log in, land on the to-do page, refresh it with htmx (GET), then an htmx POST from a
    staff page passes Django's CSRF check (token in hx-headers) with no CSP violation (htmx's
    inline indicator styles are off)."""
    from django.contrib.auth.models import Permission

    from ..factories import UserFactory

    # The permission itself: a flush between transactional tests removes the migrated staff group.
    staff = UserFactory(email="staff@secretariat.example", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(content_type__app_label="community", codename="view_member"))
    second_factor.totp_activate(staff, STAFF_TOTP_SECRET)  # staff pages ask for the second factor
    MemberFactory(status="pending")
    page = open_page("/staff/", signed_in_as=staff)
    assert page.evaluate("typeof htmx") == "object"
    assert page.locator("[data-todo=members-pending] .todo-count").inner_text() == "1"
    MemberFactory(status="pending")
    with page.expect_response(lambda r: r.url.endswith("/staff/") and r.request.headers.get("hx-request") == "true"):
        page.click("text=Refresh")
    page.locator("[data-todo=members-pending] .todo-count").filter(has_text="2").wait_for()

    page.goto(live_server.url + "/staff/htmx-post/")
    with page.expect_response("**/staff/htmx-post/") as response:
        page.click("#post")
    assert response.value.status == 200
    page.locator("#answer").wait_for()
    assert page.inner_text("#answer") == "posted with htmx"
    assert page.problems == []
