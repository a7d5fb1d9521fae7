"""Staff sign-in (issue 6, items 2 and 9): the admin logs in through the site's login, with its
rate limits and, for staff, a second factor."""

from urllib.parse import quote

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.checks import run_checks
from django.urls import reverse

from community.models import SECRETARIAT_GROUP

from ..conftest import STAFF_TOTP_SECRET, totp_code
from ..factories import PASSWORD, MemberFactory, UserFactory
from ..portal import test_deploy

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"


def _admin_login_post(client, email, password):
    return client.post("/admin/login/?next=/admin/", {"username": email, "password": password})


def _site_login_post(client, email, password, next_url="/admin/"):
    return client.post(f"{reverse('account_login')}?next={next_url}", {"login": email, "password": password})


def _signed_in(client):
    return "_auth_user_id" in client.session


def test_admin_login_sends_to_the_sites_login_with_next(client):
    response = client.get("/admin/community/member/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fcommunity%2Fmember%2F"


def test_admin_login_refuses_an_outside_next(client):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_admin_login_form_cannot_be_used_to_guess_passwords(client):
    """25 wrong passwords at /admin/login/, then the right one: nothing ever signs in there."""
    member = MemberFactory(user__email="guess@example.org")
    for _ in range(25):
        response = _admin_login_post(client, member.user.email, WRONG)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = _admin_login_post(client, member.user.email, PASSWORD)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not _signed_in(client)


def test_site_login_locks_after_repeated_wrong_passwords(client):
    member = MemberFactory(user__email="locked@example.org")
    for _ in range(25):
        _site_login_post(client, member.user.email, WRONG, next_url="/dashboard/")
    response = _site_login_post(client, member.user.email, PASSWORD, next_url="/dashboard/")
    assert not _signed_in(client)
    assert "Too many failed login attempts" in response.content.decode()


def test_site_login_lets_the_right_password_in_without_earlier_failures(client):
    # The control of the test above: the lock, not the password, is what keeps that one out.
    member = MemberFactory(user__email="fine@example.org")
    _site_login_post(client, member.user.email, PASSWORD, next_url="/dashboard/")
    assert _signed_in(client)


def test_signed_in_non_staff_at_admin_login_gets_403_not_a_loop(client):
    member = MemberFactory(user__email="member@example.org")
    client.force_login(member.user)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


# ------------------------------------------------------------------------------ two-factor (item 9)
def _staff_without_second_factor():
    user = UserFactory(email="new-staff@secretariat.example", is_staff=True)
    user.groups.add(Group.objects.get(name=SECRETARIAT_GROUP))
    return user


def _every_admin_page():
    pages = [reverse("admin:index"), reverse("admin:password_change")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages += [reverse("admin:{}_{}_changelist".format(*info)), reverse("admin:{}_{}_add".format(*info))]
    return pages


def _code(secret=STAFF_TOTP_SECRET):
    return totp_code(secret)


@pytest.mark.real_second_factor
def test_staff_without_a_second_factor_cannot_open_any_admin_page(client):
    staff = _staff_without_second_factor()
    client.force_login(staff)
    pages = _every_admin_page()
    assert len(pages) > 10
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("community:second_factor_setup") + "?next="), page


@pytest.mark.real_second_factor
def test_staff_open_the_member_directory_only_after_the_second_factor(client, organisation, member, staff):
    """The HTTP attack of 2026-11-29: staff signed in with the password alone (no authenticator yet,
    or a session that never gave the code) read the directory and the organisations' members, as staff
    (proposed organisations too), outside the admin's guard."""
    pages = [reverse("community:organisation_list"), reverse("community:organisation_detail", args=[organisation.pk])]
    client.force_login(_staff_without_second_factor())
    for page in pages:
        response = client.get(page)
        assert response["Location"] == f"{reverse('community:second_factor_setup')}?next={quote(page, safe='')}"
    client.force_login(staff)  # an authenticator, but this session has not given its code
    for page in pages:
        assert client.get(page)["Location"].startswith(reverse("mfa_reauthenticate") + "?next=")
    response = client.post(client.get(pages[1])["Location"], {"code": _code()})
    assert response["Location"] == pages[1]
    assert [client.get(page).status_code for page in pages] == [200, 200]
    # A member opens them as before, with no second factor to give.
    client.force_login(member.user)
    assert [client.get(page).status_code for page in pages] == [200, 200]


@pytest.mark.real_second_factor
def test_staff_first_time_setup_then_back_to_the_admin_page(client):
    staff = _staff_without_second_factor()
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    response = client.get("/admin/community/member/")
    assert response["Location"] == "/two-factor/setup/?next=%2Fadmin%2Fcommunity%2Fmember%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Set up two-factor authentication" in page.content.decode()
    # allauth asks for the password again before an authenticator is added.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == reverse("mfa_activate_totp")
    # allauth's activation page: a QR code as a data URI, and the secret kept in the session.
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert reverse("community:second_factor_continue") in codes_page
    # Setting the app up proved the code: the admin opens, and "Continue" goes back where they were.
    response = client.get(reverse("community:second_factor_continue"))
    assert response["Location"] == "/admin/community/member/"
    assert client.get("/admin/community/member/").status_code == 200


@pytest.mark.real_second_factor
def test_staff_login_asks_for_the_code_and_only_then_opens_the_admin(client, staff):
    response = client.post(f"{reverse('account_login')}?next=/admin/", {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    # The password alone does not reach the admin.
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not _signed_in(client)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000" if _code() != "000000" else "111111"})
    assert not _signed_in(client)
    response = client.post(reverse("mfa_authenticate"), {"code": _code()})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.real_second_factor
def test_a_session_that_did_not_pass_the_second_factor_is_asked_for_the_code(client, staff):
    client.force_login(staff)  # signed in, but no code in this session
    response = client.get("/admin/community/member/")
    assert response["Location"] == "/accounts/2fa/reauthenticate/?next=%2Fadmin%2Fcommunity%2Fmember%2F"
    response = client.post(response["Location"], {"code": _code()})
    assert response["Location"] == "/admin/community/member/"
    assert client.get("/admin/community/member/").status_code == 200


@pytest.mark.real_second_factor
def test_members_are_not_forced_but_may_turn_it_on_from_their_profile(client):
    member = MemberFactory(user__email="member2fa@example.org")
    response = client.post(reverse("account_login"), {"login": member.user.email, "password": PASSWORD})
    assert response["Location"] == reverse("community:dashboard")
    profile = client.get(reverse("community:profile")).content.decode()
    assert reverse("mfa_index") in profile
    assert client.get(reverse("mfa_index")).status_code == 200


def test_staff_sign_in_and_setup_pages_are_translated(client):
    staff = _staff_without_second_factor()
    client.force_login(staff)
    client.cookies["django_language"] = "fr"
    body = client.get("/two-factor/setup/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "authentification à deux facteurs" in body.lower()


def test_production_check_fails_when_staff_two_factor_is_off(settings):
    settings.PORTAL_PRODUCTION = True
    settings.PORTAL_STAFF_REQUIRE_2FA = False
    assert "community.E001" in {message.id for message in run_checks(tags=["security"])}
    settings.PORTAL_STAFF_REQUIRE_2FA = True
    assert "community.E001" not in {message.id for message in run_checks(tags=["security"])}


def test_production_settings_refuse_staff_two_factor_off(monkeypatch):
    monkeypatch.setitem(test_deploy.SAMPLE_PRODUCTION_ENV, "PORTAL_STAFF_REQUIRE_2FA", "false")
    result = test_deploy.run_manage("check")
    assert result.returncode != 0, test_deploy.output(result)
    assert "community.E001" in result.stderr, test_deploy.output(result)


# ------------------------------------------------------------------------------ admin CSP (item 7)
def test_admin_pages_carry_the_policy_and_site_pages_stay_strict(client, staff):
    client.force_login(staff)
    admin_policy = _directives(client.get("/admin/community/member/")["Content-Security-Policy"])
    assert admin_policy["default-src"] == "'self'"
    assert admin_policy["script-src"].startswith("'self' 'unsafe-hashes' 'sha256-")
    assert "unsafe-inline" not in str(admin_policy)
    site_policy = _directives(client.get("/")["Content-Security-Policy"])
    assert site_policy["script-src"] == "'self'" and site_policy["style-src"] == "'self'"


def _directives(policy: str) -> dict:
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


def _code_steps_ago(steps, monkeypatch):
    """The code of `steps` windows before now, with allauth's clock held still (no window may close
    between the code's computation and its check)."""
    import time

    from allauth.mfa.totp.internal import auth
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    now = time.time()
    monkeypatch.setattr(auth.time, "time", lambda: now)
    return format_hotp_value(hotp_value(STAFF_TOTP_SECRET, int(now) // 30 - steps))


@pytest.mark.parametrize(("steps_ago", "accepted"), [(1, True), (2, False)])
def test_a_code_from_the_window_just_closed_is_accepted_an_older_one_is_not(
    client, staff, monkeypatch, steps_ago, accepted
):
    """MFA_TOTP_TOLERANCE = 1: the code a person typed as its window closed still opens the admin."""
    client.post(f"{reverse('account_login')}?next=/admin/", {"login": staff.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": _code_steps_ago(steps_ago, monkeypatch)})
    assert _signed_in(client) is accepted


def test_a_code_once_used_is_refused_for_as_long_as_it_is_accepted(client, staff):
    code = _code()
    for attempt in range(2):
        client.post(f"{reverse('account_login')}?next=/admin/", {"login": staff.email, "password": PASSWORD})
        client.post(reverse("mfa_authenticate"), {"code": code})
        assert _signed_in(client) is (attempt == 0)
        client.logout()
