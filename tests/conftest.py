import os
import shutil

import pytest
from django.conf import settings

from community import second_factor
from community.models import SECRETARIAT_GROUP, MemberStatus, User

from .factories import PASSWORD, EditionFactory, MemberFactory, OrganisationFactory, UserFactory


def require_service(reason: str):
    """Skip when a real service is missing on a laptop; fail under .ci/run (PORTAL_REQUIRE_SERVICES=1)."""
    if settings.PORTAL_REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits live in the cache; each test starts with a clean slate.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def edition(db):
    return EditionFactory()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Barcelona Metropolitan Area", country="ES")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Montréal", country="CA", region="north_america")


@pytest.fixture
def member(organisation):
    return MemberFactory(organisation=organisation, user__email="manager@barcelona.example")


@pytest.fixture
def pending_member(organisation):
    return MemberFactory(organisation=organisation, status=MemberStatus.PENDING, user__email="new@barcelona.example")


@pytest.fixture
def rejected_member(organisation):
    return MemberFactory(
        organisation=organisation, status=MemberStatus.REJECTED, user__email="no@barcelona.example"
    )


@pytest.fixture
def other_member(other_organisation):
    return MemberFactory(organisation=other_organisation, user__email="manager@montreal.example")


# Staff must use a second factor (PORTAL_STAFF_REQUIRE_2FA stays on in the suite). The staff
# fixtures have an authenticator app with this secret; tests/community/test_staff_auth.py computes its codes.
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _grant_secretariat_again():
    """A transactional test's flush empties the tables, the migrated Secretariat group with them;
    which test runs first on a process depends on pytest-xdist. Run again, in order, the migrations
    that grant the group its permissions (those that use community/migrations/_secretariat.py)."""
    import importlib
    from pathlib import Path

    from django.db import connection, migrations
    from django.db.migrations.loader import MigrationLoader

    # The migrations' own historical models (their helper marks app configs, so not the live registry).
    apps = MigrationLoader(connection).project_state().apps
    for path in sorted(Path(settings.BASE_DIR).glob("*/migrations/0*.py")):
        if "_secretariat import" not in path.read_text():
            continue
        module = importlib.import_module(f"{path.parent.parent.name}.migrations.{path.stem}")
        for operation in module.Migration.operations:
            if isinstance(operation, migrations.RunPython):
                operation.code(apps, None)


@pytest.fixture
def staff(db):
    from django.contrib.auth.models import Group

    user = UserFactory(email="staff@secretariat.example", is_staff=True)
    if not Group.objects.filter(name=SECRETARIAT_GROUP).exists():
        _grant_secretariat_again()
    user.groups.add(Group.objects.get(name=SECRETARIAT_GROUP))
    second_factor.totp_activate(user, STAFF_TOTP_SECRET)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def superuser(db):
    user = UserFactory(email="root@secretariat.example", is_staff=True, is_superuser=True)
    second_factor.totp_activate(user, STAFF_TOTP_SECRET)
    return user


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(request, monkeypatch):
    """``client.force_login(staff)`` stands for a completed sign-in: for a user who has an
    authenticator, that includes the code, so the session records the "mfa" step as allauth's login
    would. A user without an authenticator gets nothing (the admin still sends them to the setup).
    Tests of the enforcement itself opt out with ``@pytest.mark.real_second_factor``."""
    if request.node.get_closest_marker("real_second_factor"):
        return
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        passed = second_factor.session_passed_second_factor_data(user)
        if passed:
            session = self.session
            session.update(passed)
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def broker_at(settings):
    """Point the settings and the Celery app at a broker for one test, and restore both after."""
    from config.celery_app import app

    previous = app.conf.broker_url

    def _point(url):
        settings.CELERY_BROKER_URL = url
        app.conf.broker_url = url

    yield _point
    app.conf.broker_url = previous


# ------------------------------------------------------------------------------ real browser (Playwright)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (each test opens its own context in it): a launch costs a second
    or more, and a module's tests need nothing more separate than a fresh context."""
    if not CHROMIUM:
        if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (apt-get install chromium)")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls of the test are safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"],
        )
        yield browser
        browser.close()
        # With Playwright's loop in this thread, the test's ORM calls got database connections of
        # their own; close them here, or the test database cannot be dropped at the end of the run.
        from django.db import connections

        connections.close_all()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def open_page(browser, live_server):
    """A page that records CSP violations, console errors and every request to another host."""
    pages = []

    def _open(path="/", **context_options):
        context = browser.new_context(**context_options)
        page = context.new_page()
        page.problems = []
        page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
        page.on(
            "request",
            lambda r: not r.url.startswith(live_server.url) and not r.url.startswith("data:")
            and page.problems.append(f"outside request: {r.url}"),
        )
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error('CSP ' + e.violatedDirective));"
        )
        page.goto(live_server.url + path)
        pages.append(context)
        return page

    yield _open
    for context in pages:
        context.close()
