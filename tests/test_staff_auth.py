"""Staff sign-in (issue 6, items 2 and 9): the admin logs in through the site's login, with its
rate limits and, for staff, a second factor."""

import pytest
from django.urls import reverse

from .factories import PASSWORD, MemberFactory

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
