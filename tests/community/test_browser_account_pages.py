"""Account pages and the menu bar in a real browser, one walk per language: no page scrolls sideways at
1280 or 375 px, axe-core finds nothing serious, the menu stays one line at 1024 and 1280 px, and
screenshots for a person to look at (var/screenshots/, with `make screenshots`)."""

from pathlib import Path

import pytest

from ..conftest import browser_signed_in, screenshot
from ..factories import EditionFactory, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent.parent / "vendor" / "axe-core" / "axe.min.js"


def switch_language(page, language):
    if page.locator(".navbar-toggler").is_visible():  # a phone: open the collapsed menu first
        page.click(".navbar-toggler")
        page.locator("#language-menu").wait_for(state="visible")
    page.click("#language-menu")
    with page.expect_navigation():
        page.click(f"button[name=language][value={language}]")


def serious_axe_findings(page):
    # Evaluated through the DevTools protocol: the page's CSP (script-src 'self') does not apply to it,
    # and axe is never served by the site.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
        "'best-practice']})).violations.map(v => ({id: v.id, impact: v.impact, "
        "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def staff_member(db):
    EditionFactory()
    return MemberFactory(
        user__email="direccion.general@ciudad-de-mexico.example", user__is_staff=True,
        organisation__name="Ciudad de México",
    )


# One walk per language through every account page, signed out then signed in, each page loaded once
# and looked at in both widths (the layout is CSS media queries: resizing the window redoes it), with
# axe-core on each.
WIDTHS = (1280, 375)


@pytest.mark.parametrize("language", ["fr", "es", "en"])
def test_account_pages_in_each_language(open_page, live_server, staff_member, language):
    page = open_page("/", viewport={"width": WIDTHS[0], "height": 900})
    switch_language(page, language)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        # The site's name and the menu button share the first line, on a phone too.
        brand = page.locator(".navbar-brand").bounding_box()
        toggler_or_menu = page.locator(".navbar-toggler" if width < 992 else "#language-menu").bounding_box()
        assert abs((brand["y"] + brand["height"] / 2) - (toggler_or_menu["y"] + toggler_or_menu["height"] / 2)) < 8
    findings = {}

    def look_at(name, path):
        assert "/accounts/login/" not in page.url or path.startswith("/accounts/login/"), (path, page.url)
        findings[path] = serious_axe_findings(page)
        for width in (*WIDTHS[1:], WIDTHS[0]):  # the phone, then back to the desktop for the next page
            page.set_viewport_size({"width": width, "height": 900})
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (path, width)
            screenshot(page, f"{name}-{language}-{width}")

    # A wrong password first: the login page with its error box.
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_login", staff_member.user.email)
    page.fill("#id_password", "wrong")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator(".alert-danger, .invalid-feedback, .errorlist").count() >= 1
    look_at("login", "/accounts/login/ (error)")
    for name, path in (("reset", "/accounts/password/reset/"), ("reset-done", "/accounts/password/reset/done/"),
                       ("confirm-email", "/accounts/confirm-email/x/")):
        page.goto(live_server.url + path)
        look_at(name, path)
    browser_signed_in(page, staff_member.user)
    for name, path in (("email", "/accounts/email/"), ("password", "/accounts/password/change/"),
                       ("logout", "/accounts/logout/"), ("profile", "/profile/")):
        page.goto(live_server.url + path)
        look_at(name, path)
    assert {path: found for path, found in findings.items() if found} == {}
    assert len(findings) == 8
    assert_menu_bar_on_one_line(page, live_server, language)
    assert page.problems == []


def assert_menu_bar_on_one_line(page, live_server, language):
    """The longest menu (an approved member who is also staff), expanded and unwrapped, at 1024 and
    1280 px (the page loaded again at each width); the language menu opens inside the window."""
    for width in (1024, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server.url + "/")
        assert page.get_attribute("html", "lang") == language
        assert not page.locator(".navbar-toggler").is_visible(), width  # expanded, not collapsed
        tops = page.eval_on_selector_all(
            "nav.navbar .navbar-brand, nav.navbar .navbar-nav > .nav-item",
            "els => els.map(el => Math.round(el.getBoundingClientRect().top + el.getBoundingClientRect().height / 2))",
        )
        assert len(tops) >= 5
        assert max(tops) - min(tops) <= 4, (width, tops)  # every item's middle on one line
        page.click("#language-menu")
        box = page.locator("form.dropdown-menu").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        screenshot(page, f"menu-{language}-{width}", full_page=False)


def test_menu_contrast_focus_ring_and_current_page(open_page, live_server, staff_member):
    page = open_page("/", viewport={"width": 1280, "height": 800})
    browser_signed_in(page, staff_member.user)
    page.goto(live_server.url + "/dashboard/")
    current = page.locator("nav .nav-link[aria-current=page]")
    assert current.count() == 1 and current.get_attribute("href") == "/dashboard/"
    color = page.eval_on_selector("nav .nav-link:not(.active)", "el => getComputedStyle(el).color")
    alpha = float(color.split(",")[3].rstrip(")")) if color.startswith("rgba") else 1.0
    assert alpha >= 0.85, color  # white at .85 or more on the accent: above 4.5:1
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
