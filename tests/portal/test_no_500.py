"""Nasty input to every form and query string answers with a page, never a server error (500).

Per nasty value, one request puts it in every field at once and renders the page that re-displays
it. Then each field gets it alone beside valid values (the combinations that reach a form's clean(),
the view and the database); those pages are not rendered again, since rendering the whole form once
per field is what made this file slow, but their queries still run (``unrendered``, tests/conftest.py).
"""

import pytest
from django.test import Client
from django.urls import reverse

from community.models import User

from ..factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    "x" * 10_000,
    "nul\x00byte",
    "\u202eright-to-left",
    "😀 emoji",
    "<script>alert(1)</script>",
    "99999999999999999999999",
    "-1",
    "line\r\nBcc: evil@example.org",
    "%00",
]

SIGNUP_FIELDS = [
    "email", "password1", "password2", "first_name", "last_name", "job_title", "organisation",
    "new_organisation_name", "new_organisation_country", "new_organisation_region", "new_organisation_kind",
    "new_organisation_website", "preferred_language", "time_zone", "privacy_consent",
]


@pytest.fixture(autouse=True)
def _raise_server_errors(client):
    client.raise_request_exception = True  # a 500 fails the test with its traceback


def signup_valid_data(organisation, n):
    return {"email": f"person{n}@example.org", "password1": PASSWORD, "password2": PASSWORD, "first_name": "Ana",
            "last_name": "Ruiz", "job_title": "City manager", "organisation": str(organisation.pk),
            "new_organisation_name": "", "new_organisation_country": "", "new_organisation_region": "",
            "new_organisation_kind": "", "new_organisation_website": "", "preferred_language": "en",
            "time_zone": "UTC", "privacy_consent": "on"}


@pytest.mark.parametrize("value", NASTY)
def test_signup_every_field(client, organisation, value, unrendered):
    with unrendered.off():
        response = client.post(reverse("account_signup"), dict.fromkeys(SIGNUP_FIELDS, value))
        assert response.status_code == 200  # the form again, rendered with the value in every field
    for n, field in enumerate(SIGNUP_FIELDS):
        # A fresh visitor each time: a sign-up the value does not spoil logs the visitor in.
        visitor = Client(raise_request_exception=True)
        assert visitor.post(reverse("account_signup"), {**signup_valid_data(organisation, n), field: value}
                            ).status_code < 500, field
    # Some fields take the value (or ignore it): those sign-ups went through to the database.
    assert User.objects.count() >= 1


@pytest.mark.parametrize("value", NASTY)
def test_login_and_password_reset(client, value):
    assert client.post(reverse("account_login"), {"login": value, "password": value}).status_code < 500
    assert client.post(reverse("account_reset_password"), {"email": value}).status_code < 500


@pytest.mark.parametrize("value", NASTY)
def test_profile_every_field(client, member, value, unrendered):
    client.force_login(member.user)
    data = {"first_name": "A", "last_name": "B", "job_title": "C", "preferred_language": "en", "time_zone": "UTC"}
    with unrendered.off():
        assert client.post(reverse("community:profile"), dict.fromkeys(data, value)).status_code == 200
    for field in data:
        assert client.post(reverse("community:profile"), {**data, field: value}).status_code < 500, field


@pytest.mark.parametrize("value", NASTY)
def test_tokens_and_language(client, value):
    for path in (f"/join/{value}/", f"/mail/preferences/{value}/", f"/mail/unsubscribe/{value}/"):
        assert client.get(path).status_code < 500
        assert client.post(path, {"reminders": value, "List-Unsubscribe": value}).status_code < 500
    assert client.post(reverse("set_language"), {"language": value, "next": value}).status_code < 500


@pytest.mark.parametrize("value", NASTY)
def test_admin_changelists_with_odd_query_strings(client, staff, member, value, unrendered):
    client.force_login(staff)
    MemberFactory()
    for name in ("community_member", "community_organisation", "community_membershipinvitation",
                 "community_edition", "mailings_outboxmessage"):
        url = reverse(f"admin:{name}_changelist")
        with unrendered.off():  # the search box shows the value again
            assert client.get(url, {"q": value}).status_code < 500, url
        for params in ({"status__exact": value}, {"o": value}, {"p": value}, {"q": "a", "p": value},
                       {"organisation__id__exact": value}, {"created_at__gte": value}):
            assert client.get(url, params).status_code < 500, (url, params)


@pytest.mark.parametrize("value", NASTY)
def test_admin_add_forms(client, staff, organisation, value, unrendered):
    client.force_login(staff)
    forms = {
        "admin:community_organisation_add": {"name": "N", "country": "ES", "region": "europe", "kind": "city",
                                             "population": "", "website": "", "status": "member"},
        "admin:community_edition_add": {"year": "2030", "theme_en": "T", "theme_fr": "", "description_en": "",
                                        "description_es": "", "status": "draft"},
        "admin:community_membershipinvitation_add": {"email": "n@example.org", "first_name": "", "last_name": "",
                                                     "organisation": str(organisation.pk), "language": "en"},
    }
    for url_name, data in forms.items():
        with unrendered.off():
            response = client.post(reverse(url_name), dict.fromkeys(data, value))
            assert response.status_code == 200, url_name  # the form again, with the value in every field
        for field in data:
            response = client.post(reverse(url_name), {**data, field: value})
            assert response.status_code < 500, (url_name, field)


def test_nul_byte_in_a_query_string_is_a_clear_400(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:community_member_changelist"), {"q": "a\x00b"})
    assert response.status_code == 400
    assert "not allowed" in response.content.decode()
