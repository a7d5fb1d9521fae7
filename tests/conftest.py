import os
import shutil
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.utils import translation

from community import second_factor
from community.models import SECRETARIAT_GROUP, MemberStatus, User

from .factories import PASSWORD, EditionFactory, MemberFactory, OrganisationFactory, UserFactory


def pytest_configure(config):
    """The collector runs less often: a test run makes millions of short-lived objects (querysets,
    model instances, template contexts) and CPython's default (a young-generation pass every 700
    allocations, scanning the objects Django and the test modules made at start-up again at each full
    pass) cost about a tenth of the suite's CPU. The start-up objects are frozen out of the scans; the
    young generation is collected every 50,000 allocations (measured: tests/events 10-12 % less CPU,
    9 MB more memory per process). Nothing a test checks depends on when garbage is collected."""
    import gc

    gc.set_threshold(50_000, 50, 50)


def pytest_collection_finish(session):
    import gc

    gc.freeze()  # Django, the project and every collected test module: never garbage


def waiting_on_a_lock() -> bool:
    """PostgreSQL: whether a session of the test database is waiting for a row lock (the race tests
    hold one thread at a lock to let the other arrive)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def wait_for(condition, seconds=10):
    """Poll ``condition`` until it holds: e.g. what a browser sends as it leaves a page (a keepalive
    request) is written a moment after the next page opens. Fails after ``seconds``."""
    import time

    from django.db import OperationalError

    def holds():
        try:
            return condition()
        except OperationalError:  # SQLite in memory: the live server's thread is writing that table now
            return False

    deadline = time.monotonic() + seconds
    while not holds():
        assert time.monotonic() < deadline, "not written in time"
        time.sleep(0.2)


def require_service(reason: str):
    """Skip when a real service is missing on a laptop; fail under .ci/run (PORTAL_REQUIRE_SERVICES=1)."""
    if settings.PORTAL_REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


# ------------------------------------------------------------------------------ the test database
# Migrating an empty SQLite database takes seconds (Django renders the model states of every
# migration), in every pytest-xdist worker and again in `make test`'s one-process pass. The first
# process to migrate keeps a copy of the result in var/test-db/, named by a digest of everything the
# migrations run (every app's migration files, the project modules they import, the versions of
# Django, SQLite and Python, the installed apps); the others load that copy instead of migrating
# again. The migrations (schema and data: groups, permissions) still run whenever any of it changes.
# PostgreSQL (.ci/run) migrates as before.
TEST_DB_DIR = settings.BASE_DIR / "var" / "test-db"


def _migrations_digest() -> str:
    import hashlib
    import importlib.util
    import re
    import sqlite3
    import sys
    from pathlib import Path

    import django
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256(repr((django.VERSION, sqlite3.sqlite_version, sys.version, settings.INSTALLED_APPS,
                                  settings.AUTH_USER_MODEL)).encode())
    project_packages = {config.name.split(".")[0] for config in apps.get_app_configs()
                        if Path(config.path).is_relative_to(settings.BASE_DIR)}
    files = set()
    for config in apps.get_app_configs():
        module_name, _explicit = MigrationLoader.migrations_module(config.label)
        spec = module_name and importlib.util.find_spec(module_name)
        if not spec or not spec.submodule_search_locations:
            continue
        for path in Path(next(iter(spec.submodule_search_locations))).glob("*.py"):
            files.add(path)
            if config.name.split(".")[0] not in project_packages:
                continue
            for imported in re.findall(r"^\s*(?:from|import) ([\w.]+)", path.read_text(), re.MULTILINE):
                if imported.split(".")[0] in project_packages and not imported.startswith("."):
                    imported_spec = importlib.util.find_spec(imported)
                    if imported_spec and imported_spec.origin:
                        files.add(Path(imported_spec.origin))
    for path in sorted(files):
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def _create_test_db_from_copy(original):
    def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        import sqlite3

        from django.core.management import call_command

        if self.connection.vendor != "sqlite" or not self.is_in_memory_db(self._get_test_db_name()):
            return original(self, verbosity, autoclobber, serialize, keepdb)
        copy = TEST_DB_DIR / f"migrated-{_migrations_digest()}.sqlite3"
        if not copy.exists():
            name = original(self, verbosity, autoclobber, serialize, keepdb)
            TEST_DB_DIR.mkdir(parents=True, exist_ok=True)
            for old in TEST_DB_DIR.glob("migrated-*.sqlite3"):
                if old != copy:
                    old.unlink(missing_ok=True)  # of migrations since changed
            partial = TEST_DB_DIR / f"{copy.name}.{os.getpid()}"
            target = sqlite3.connect(partial)
            self.connection.connection.backup(target)
            target.close()
            partial.replace(copy)  # atomic: another worker never reads half a copy
            return name
        # Django's create_test_db with the migrations' result copied in instead of migrating.
        name = self._get_test_db_name()
        self._create_test_db(verbosity, autoclobber, keepdb)
        self.connection.close()
        settings.DATABASES[self.connection.alias]["NAME"] = name
        self.connection.settings_dict["NAME"] = name
        self.connection.ensure_connection()
        source = sqlite3.connect(copy)
        source.backup(self.connection.connection)
        source.close()
        if serialize:
            self.connection._test_serialized_contents = self.serialize_db_to_string()
        call_command("createcachetable", database=self.connection.alias)
        return name

    return create_test_db


@pytest.fixture(scope="session")
def django_db_setup(_test_db_from_copy, django_db_setup):
    """pytest-django's, with the migrated SQLite database copied when it can be (above)."""
    yield


@pytest.fixture(scope="session")
def _test_db_from_copy():
    from django.db.backends.sqlite3.creation import DatabaseCreation

    original = DatabaseCreation.create_test_db
    DatabaseCreation.create_test_db = _create_test_db_from_copy(original)
    yield
    DatabaseCreation.create_test_db = original


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits live in the cache; each test starts with a clean slate.
    from django.core.cache import cache

    cache.clear()


class Unrendered:
    """While on, pages are answered without rendering their template; a changelist's rows are still
    read (its queryset is lazy: the template is what would run it, with the ordering asked for)."""

    def __init__(self):
        self.on = True

    @contextmanager
    def off(self):
        self.on = False
        try:
            yield
        finally:
            self.on = True


@pytest.fixture
def unrendered(monkeypatch):
    """For bad-input tests: render the page that shows a nasty value back once (``with unrendered.off()``),
    not again for each field it goes to alone."""
    from django.template.response import SimpleTemplateResponse

    switch = Unrendered()
    render = SimpleTemplateResponse.rendered_content.fget

    def rendered_content(self):
        if not switch.on:
            return render(self)
        changelist = (self.context_data or {}).get("cl")
        if changelist is not None:
            list(changelist.result_list)
        return ""

    monkeypatch.setattr(SimpleTemplateResponse, "rendered_content", property(rendered_content))
    return switch


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


def browser_sign_in(page, email, *, second_factor_code=True):
    """On the site's login page: the email and the demo password, then (staff) the authenticator's code."""
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    if second_factor_code:
        page.wait_for_url("**/accounts/2fa/authenticate/**")
        page.fill("#id_code", totp_code())
        page.click("main button[type=submit]")
    page.wait_for_load_state()


def browser_signed_in(page, user, *, origin=None):
    """``page``'s browser signed in as ``user`` without the sign-in pages, for the tests about something
    else (each sign-in through the pages cost three to five page loads). The session is made as
    ``client.force_login`` makes one, with the second factor passed for a user who has an authenticator,
    and its cookie is given to the page's browser context. The sign-in pages themselves are walked in
    tests/portal/test_browser.py (a member), tests/portal/test_browser_admin.py (staff, with the code)
    and the account pages' walk (a wrong password). ``open_page(path, signed_in_as=user)`` does this
    before its first page load."""
    from importlib import import_module
    from urllib.parse import urlsplit

    from django.test import Client

    client = Client()
    with translation.override(translation.get_language()):  # login() speaks the member's language
        client.force_login(user)
    session = import_module(settings.SESSION_ENGINE).SessionStore(
        session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)
    session.update(second_factor.session_passed_second_factor_data(user))
    session.save()
    origin = origin or "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": origin}])


def totp_code(secret=STAFF_TOTP_SECRET) -> str:
    """The authenticator's current code. A code typed as its 30 s window closes is still accepted in
    the next window (MFA_TOTP_TOLERANCE = 1, tested in tests/community/test_staff_auth.py), so nobody
    waits for a fresh window."""
    return second_factor.totp_current_code(secret)


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


@pytest.fixture
def unreachable_broker(broker_at, monkeypatch):
    """A broker nothing listens on. The health check tries it again after kombu's retry interval (2 s):
    the second attempt still runs, the wait before it is skipped. Returns the waits asked for."""
    import kombu.utils.functional

    waits = []
    monkeypatch.setattr(kombu.utils.functional, "sleep", waits.append)
    broker_at("redis://127.0.0.1:1/0")
    return waits


# ------------------------------------------------------------------------------ real browser (Playwright)
# Debian's chromium-headless-shell first: the build Playwright itself runs headless, at about half the
# CPU of the full browser's headless mode (the browser tests' 40 s instead of 75 s of CPU).
CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium") or shutil.which("chromium-browser")


class _Chromium:
    """One Chromium for each run of consecutive browser tests in a process (each test opens its own
    context in it). A launch costs a second or more; the browser tests are run one after another
    (``pytest_collection_modifyitems`` below) and Chromium is closed after the last of them
    (``pytest_runtest_teardown``), so no other test runs beside Playwright's event loop."""

    def __init__(self):
        self.playwright = self.browser = None

    def launch(self):
        if self.browser is None:
            playwright_api = pytest.importorskip("playwright.sync_api")
            # Playwright's sync API keeps an event loop in this thread; the ORM calls of the test are safe.
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self.playwright = playwright_api.sync_playwright().start()
            self.browser = self.playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                      "--disable-gpu"],
            )
        return self.browser

    def close(self):
        if self.playwright is None:
            return
        try:
            if self.browser is not None:
                self.browser.close()
        finally:
            self.playwright.stop()
            self.playwright = self.browser = None
            # With Playwright's loop in this thread, the tests' ORM calls got database connections of
            # their own; close them here, or the test database cannot be dropped at the end of the run.
            from django.db import connections

            connections.close_all()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


_chromium = _Chromium()


def _live_server_sends_at_once():
    """The live server's handler (Django's, on socketserver) leaves Nagle's algorithm on: on a kept-alive
    connection the end of a response waited for the browser's delayed ACK, about 40 ms per page and
    redirect (a page answered in 5 ms took 55). TCP_NODELAY, as production servers set it."""
    from django.test.testcases import QuietWSGIRequestHandler

    QuietWSGIRequestHandler.disable_nagle_algorithm = True


_live_server_sends_at_once()


def _uses_chromium(item) -> bool:
    return "open_page" in getattr(item, "fixturenames", ())


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """The browser tests after the others (a stable sort; pytest-django then orders by database use,
    stably too, and the browser tests are all transactional): each process launches Chromium once.

    `make test`'s second pass collects only the files that name the one_process marker (collecting
    the whole suite again cost more than those tests); a test marked some other way would be missed."""
    for item in items:
        if item.get_closest_marker("one_process") and "one_process" not in item.path.read_text():
            raise pytest.UsageError(f"{item.nodeid}: name the one_process marker in its file (make test)")
    items.sort(key=_uses_chromium)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if nextitem is None or not _uses_chromium(nextitem):
        _chromium.close()


def pytest_sessionfinish():
    _chromium.close()  # a run stopped early (-x, an interrupt)


@pytest.fixture
def browser():
    """The process's Chromium (``_Chromium``), launched by the first browser test of a run."""
    if not CHROMIUM:
        if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (apt-get install chromium-headless-shell)")
        pytest.skip("no Chromium on this machine (apt-get install chromium-headless-shell)")
    return _chromium.launch()


# Screenshots are for a person to look at (var/screenshots/); no test asserts on them. Taking them
# costs Chromium a tenth of a second each (about fifty), so only `make screenshots` (PORTAL_SCREENSHOTS=1)
# writes them; the tests load the same pages and assert the same things either way.
SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"


def screenshot(page, name: str, *, full_page: bool = True):
    """Write var/screenshots/<name>.png when PORTAL_SCREENSHOTS=1."""
    if os.environ.get("PORTAL_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def open_page(browser, live_server):
    """A page that records CSP violations, console errors and every request to another host;
    ``signed_in_as=user`` opens it signed in (``browser_signed_in``)."""
    pages = []

    def _open(path="/", *, signed_in_as=None, **context_options):
        context = browser.new_context(**context_options)
        page = context.new_page()
        if signed_in_as is not None:
            browser_signed_in(page, signed_in_as, origin=live_server.url)
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
        if path is not None:  # None: no page yet (e.g. to install Playwright's clock first)
            page.goto(live_server.url + path)
            if signed_in_as is not None:  # the session took: the page, not the sign-in page
                assert "/accounts/login/" not in page.url and "/accounts/2fa/" not in page.url, page.url
        pages.append(context)
        return page

    yield _open
    for context in pages:
        context.close()
