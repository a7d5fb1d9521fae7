"""Nasty input to every form and query string answers with a page, never a server error (500)."""

import pytest
from django.urls import reverse

from ..factories import MemberFactory

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


@pytest.mark.parametrize("value", NASTY)
def test_signup_every_field(client, organisation, value):
    for field in SIGNUP_FIELDS:
        data = dict.fromkeys(SIGNUP_FIELDS, "a")
        data.update(organisation=str(organisation.pk), email="a@example.org")
        data[field] = value
        assert client.post(reverse("account_signup"), data).status_code < 500


@pytest.mark.parametrize("value", NASTY)
def test_login_and_password_reset(client, value):
    assert client.post(reverse("account_login"), {"login": value, "password": value}).status_code < 500
    assert client.post(reverse("account_reset_password"), {"email": value}).status_code < 500


@pytest.mark.parametrize("value", NASTY)
def test_profile_every_field(client, member, value):
    client.force_login(member.user)
    fields = ["first_name", "last_name", "job_title", "preferred_language", "time_zone"]
    for field in fields:
        data = {"first_name": "A", "last_name": "B", "job_title": "C", "preferred_language": "en", "time_zone": "UTC"}
        data[field] = value
        assert client.post(reverse("community:profile"), data).status_code < 500


@pytest.mark.parametrize("value", NASTY)
def test_tokens_and_language(client, value):
    for path in (f"/join/{value}/", f"/mail/preferences/{value}/", f"/mail/unsubscribe/{value}/"):
        assert client.get(path).status_code < 500
        assert client.post(path, {"reminders": value, "List-Unsubscribe": value}).status_code < 500
    assert client.post(reverse("set_language"), {"language": value, "next": value}).status_code < 500


@pytest.mark.parametrize("value", NASTY)
def test_admin_changelists_with_odd_query_strings(client, staff, member, value):
    client.force_login(staff)
    MemberFactory()
    for name in ("community_member", "community_organisation", "community_membershipinvitation",
                 "community_edition", "mailings_outboxmessage"):
        url = reverse(f"admin:{name}_changelist")
        for params in ({"q": value}, {"status__exact": value}, {"o": value}, {"p": value},
                       {"organisation__id__exact": value}, {"created_at__gte": value}):
            assert client.get(url, params).status_code < 500, (url, params)


@pytest.mark.parametrize("value", NASTY)
def test_admin_add_forms(client, staff, organisation, value):
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
        for field in data:
            response = client.post(reverse(url_name), {**data, field: value})
            assert response.status_code < 500, (url_name, field)


def test_nul_byte_in_a_query_string_is_a_clear_400(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:community_member_changelist"), {"q": "a\x00b"})
    assert response.status_code == 400
    assert "not allowed" in response.content.decode()
