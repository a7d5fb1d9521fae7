"""Security issue #6, item 8: links in account emails are built from PORTAL_BASE_URL, never from
the request's Host header (a forged Host would put an attacker's site in front of a real key)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

PORTAL = "https://portal.example.org"
FORGED = "attacker.example"


@pytest.fixture
def forged_host(settings):
    # As if the site answered any Host (a wildcard, or a proxy passing the client's header through).
    settings.ALLOWED_HOSTS = ["*"]
    settings.PORTAL_BASE_URL = PORTAL
    return {"HTTP_HOST": FORGED}


def links(message):
    return re.findall(r"https?://[^\s\"'<>]+", message.body)


def assert_only_portal_links(message, expected_path):
    found = links(message)
    assert any(link.startswith(PORTAL + expected_path) for link in found), found
    assert FORGED not in message.body
    for html, _mimetype in message.alternatives:
        assert FORGED not in html


def test_verification_link_uses_portal_base_url(client, organisation, forged_host, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), {
            "email": "ana@amb.example", "password1": "green-infrastructure-2020",
            "password2": "green-infrastructure-2020", "first_name": "Ana", "last_name": "G",
            "job_title": "COO", "preferred_language": "en", "time_zone": "UTC", "privacy_consent": "on",
            "organisation": organisation.pk,
        }, **forged_host)
    assert response.status_code == 302
    (message,) = mail.outbox
    assert_only_portal_links(message, "/accounts/confirm-email/")


def test_password_reset_link_uses_portal_base_url(client, member, forged_host, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member.user.email}, **forged_host)
    (message,) = mail.outbox
    assert_only_portal_links(message, "/accounts/password/reset/key/")


def test_account_already_exists_email_uses_portal_base_url(
    client, member, forged_host, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), {
            "email": member.user.email, "password1": "green-infrastructure-2020",
            "password2": "green-infrastructure-2020", "first_name": "Ana", "last_name": "G",
            "job_title": "COO", "preferred_language": "en", "time_zone": "UTC", "privacy_consent": "on",
            "organisation": member.organisation.pk,
        }, **forged_host)
    (message,) = mail.outbox
    assert_only_portal_links(message, "/accounts/password/reset/")


def test_unknown_account_email_uses_portal_base_url(client, db, forged_host, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "nobody@amb.example"}, **forged_host)
    (message,) = mail.outbox
    assert_only_portal_links(message, "/accounts/signup/")
