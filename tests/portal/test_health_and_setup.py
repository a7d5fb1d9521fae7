"""/healthz, the demo data, migrations, and the pages' query counts."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from community import demo_data
from community.models import Edition, Member, MemberStatus, Organisation, User

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_healthz_ok_without_broker(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_503_when_broker_unreachable(client, unreachable_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")
    assert unreachable_broker  # tried again after a wait


def test_healthz_503_when_database_fails(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise RuntimeError("database down")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"


def test_seed_demo_is_idempotent_prints_the_address_and_lets_a_member_and_staff_log_in(client, settings):
    """One seed (the demo edition takes a second to seed) for what `make run` relies on: the address printed
    is the configured one (`make run PORT=8001`), a second run changes nothing, the demo member signs in,
    and the demo staff account passes its second factor with the code `manage.py demo_totp` prints."""
    settings.DEBUG = True
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8001"
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "http://127.0.0.1:8001/admin/" in out.getvalue() and "8000" not in out.getvalue()
    counts = (User.objects.count(), Organisation.objects.count(), Member.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (User.objects.count(), Organisation.objects.count(), Member.objects.count()) == counts
    assert Organisation.objects.count() >= 30
    assert set(Organisation.objects.values_list("region", flat=True)) == {
        "africa", "asia_pacific", "europe", "latin_america", "middle_east", "north_america"
    }
    edition = Edition.objects.get(year=2020)
    assert (edition.theme_en, edition.theme_fr, edition.theme_es) == (
        "Green infrastructure", "Infrastructures vertes", "Infraestructura verde"
    )
    assert edition.description_en and edition.description_fr and edition.description_es
    assert Member.objects.filter(status=MemberStatus.PENDING).exists()

    response = client.post(
        reverse("account_login"),
        {"login": "manager@barcelona.demo.example", "password": "demo-password"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("community:dashboard")
    # The Barcelona manager reads Spanish: the theme comes in Spanish.
    assert "Infraestructura verde" in response.content.decode()

    client.logout()
    out = StringIO()
    call_command("demo_totp", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    client.post(f"{reverse('account_login')}?next=/admin/",
                {"login": demo_data.STAFF_EMAIL, "password": demo_data.DEMO_PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response["Location"] == "/admin/"  # one authenticator app after two seeds: the code is its
    assert client.get("/admin/community/member/").status_code == 200


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()


def test_migrations_are_complete():
    # Fails (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize(("accept", "lang", "log_in"), [
    ("en", "en", "Log in"), ("fr-FR,fr;q=0.9", "fr", "Se connecter"), ("es", "es", "Iniciar sesión"),
    ("de", "en", "Log in"),  # a language the portal does not have: English
])
def test_pages_answer_in_english_french_or_spanish(client, accept, lang, log_in):
    # Asserted on a page, not on settings.LANGUAGES: the middleware, the catalogues and the template
    # all have to work for a visitor's browser language to pick the words.
    page = client.get("/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert f'<html lang="{lang}"' in page
    assert f">{log_in}</a>" in page


def test_home_shows_current_edition(client, edition):
    body = client.get("/").content.decode()
    assert edition.theme in body


def test_pages_send_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("size", [2, 25])
def test_member_pages_query_count_is_constant(client, member, edition, size, django_assert_max_num_queries):
    for _ in range(size):
        MemberFactory(organisation=member.organisation)
    client.force_login(member.user)
    for url in (
        reverse("community:dashboard"),
        reverse("community:profile"),
        reverse("community:organisation_detail", args=[member.organisation_id]),
        reverse("community:membership_status"),
        "/",
    ):
        # The dashboard: one query per registered step at least (here: the survey, the webinar and
        # the City Managers Days lookups find nothing), whatever the number of members.
        with django_assert_max_num_queries(9):
            assert client.get(url).status_code == 200
