"""Sign-up → verification email → login, and what a new member sees."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from community.models import Member, MemberStatus, Organisation, OrganisationStatus, User

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "email": "ana.garcia@amb.example",
        "password1": "green-infrastructure-2020",
        "password2": "green-infrastructure-2020",
        "first_name": "Ana",
        "last_name": "García",
        "job_title": "Chief operating officer",
        "preferred_language": "es",
        "time_zone": "Europe/Madrid",
        "privacy_consent": "on",
    }
    data.update(overrides)
    return data


def confirmation_link(message):
    match = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s/]+/", message.body)
    assert match, message.body
    return match.group(0)


def test_signup_verification_then_login_lands_on_pending_page(client, organisation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), signup_data(organisation=organisation.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("account_email_verification_sent")

    user = User.objects.get(email="ana.garcia@amb.example")
    member = Member.objects.get(user=user)
    assert member.organisation == organisation
    assert member.status == MemberStatus.PENDING
    assert member.preferred_language == "es"
    assert member.privacy_notice_version
    assert member.privacy_consented_at is not None

    # Mandatory verification: no login before the link is followed.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "ana.garcia@amb.example", "password": "green-infrastructure-2020"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")

    assert len(mail.outbox) >= 1
    assert mail.outbox[-1].to == ["ana.garcia@amb.example"]
    # The verification email went through the outbox, in the language chosen at sign-up.
    from mailings.models import OutboxMessage, OutboxStatus

    row = OutboxMessage.objects.get(recipient="ana.garcia@amb.example", template__startswith="account/")
    assert (row.language, row.status) == ("es", OutboxStatus.SENT)
    with translation.override("es"):
        assert gettext("Please confirm your email address") in row.subject
    assert "Please Confirm" not in row.subject
    # allauth's text names the site: with the portal's name and address, no blank where they go.
    body = mail.outbox[-1].body
    assert not re.search(r" [.!,]", body), body  # "... an account on ." had an empty site name
    assert "127.0.0.1:8000" in body  # the site named from PORTAL_BASE_URL
    with translation.override("es"):
        assert gettext("City Managers Community — secretariat") in body
    link = confirmation_link(mail.outbox[-1])
    assert link.startswith(settings.PORTAL_BASE_URL + "/")  # not the request's Host (security #6, item 8)
    path = link.removeprefix(settings.PORTAL_BASE_URL)
    assert client.post(path).status_code == 302

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "ana.garcia@amb.example", "password": "green-infrastructure-2020"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("community:membership_status")
    assert response.context["current_member"].status == MemberStatus.PENDING
    # The member chose Spanish at sign-up: the page is in Spanish.
    with translation.override("es"):
        expected = gettext("Your membership is waiting for approval")
    assert expected != "Your membership is waiting for approval"
    assert expected in response.content.decode()


def test_signup_proposes_a_new_organisation(client):
    response = client.post(
        reverse("account_signup"),
        signup_data(
            new_organisation_name="Quito",
            new_organisation_country="EC",
            new_organisation_region="latin_america",
            new_organisation_kind="city",
            new_organisation_website="https://www.quito.gob.ec",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation = Organisation.objects.get(name="Quito")
    assert organisation.status == OrganisationStatus.PROPOSED
    assert Member.objects.get(user__email="ana.garcia@amb.example").organisation == organisation


def test_signup_page_offers_only_confirmed_organisations(client, organisation):
    Organisation.objects.create(
        name="Not yet confirmed", country="FR", region="europe", kind="city", status=OrganisationStatus.PROPOSED
    )
    body = client.get(reverse("account_signup")).content.decode()
    assert organisation.name in body
    assert "Not yet confirmed" not in body


def test_member_language_applied_after_login(client, member, password):
    member.preferred_language = "fr"
    member.save()
    client.post(reverse("account_login"), {"login": member.user.email, "password": password})
    response = client.get(reverse("community:dashboard"))
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"


def test_language_switch_keeps_member_email_language(client, member):
    # The switch is for the pages; the emails' language is changed on the profile (test_language_switch.py).
    client.force_login(member.user)
    response = client.post(reverse("set_language"), {"language": "es", "next": "/dashboard/"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.preferred_language == "en"


def test_language_switch_ignores_unknown_language_and_foreign_next(client, member):
    client.force_login(member.user)
    response = client.post(reverse("set_language"), {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    member.refresh_from_db()
    assert member.preferred_language == "en"


def test_signed_in_message_is_in_the_members_language(client, member, password):
    member.preferred_language = "es"
    member.save()
    response = client.post(
        reverse("account_login"), {"login": member.user.email, "password": password}, follow=True
    )
    shown = [str(m) for m in response.context["messages"]]
    with translation.override("es"):
        expected = gettext("You are logged in as %(name)s.") % {"name": member.user.email}
    assert expected != f"You are logged in as {member.user.email}."
    assert expected in shown, shown


def test_signup_with_a_taken_address_reveals_nothing(client, member, organisation, django_capture_on_commit_callbacks):
    """Enumeration prevention: the page is the same as for a new address; the owner gets an email."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"), signup_data(email=member.user.email, organisation=organisation.pk)
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert Member.objects.filter(user__email=member.user.email).count() == 1
    assert [m.to for m in mail.outbox] == [[member.user.email]]


def test_password_reset_for_an_unknown_address_looks_the_same(client, member):
    known = client.post(reverse("account_reset_password"), {"email": member.user.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_profile_time_zones_are_listed_once_not_read_from_disk_per_page(client, member, monkeypatch):
    """The zones are read at import and their options rendered once (the profile page spent 70 ms
    reading the tz database and 80 ms rendering 600 options)."""
    import zoneinfo

    def read_from_disk():
        raise AssertionError("the time zones were read from disk again")

    monkeypatch.setattr(zoneinfo, "available_timezones", read_from_disk)
    member.time_zone = "America/Sao_Paulo"
    member.save()
    client.force_login(member.user)
    body = client.get(reverse("community:profile")).content.decode()
    select = re.search(r'<select[^>]*name="time_zone"[^>]*>(.*?)</select>', body, re.S)
    assert select is not None
    assert 'class="' in select.group(0) and "form-select" in select.group(0)  # still styled by crispy
    options = re.findall(r"<option[^>]*>", select.group(1))
    assert len(options) > 400
    assert re.findall(r"<option selected[^>]*>[^<]*", select.group(1)) == [
        '<option selected value="America/Sao_Paulo">Sao Paulo'
    ]
    # Saving validates against the same list, still without reading the disk.
    response = client.post(reverse("community:profile"), {
        "first_name": "Ana", "last_name": "Garcia", "job_title": "City manager", "preferred_language": "en",
        "time_zone": "Asia/Seoul"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.time_zone == "Asia/Seoul"


def test_the_confirmation_page_speaks_the_emails_language(client, organisation, django_capture_on_commit_callbacks):
    """The walk of 2026-11-29: a French confirmation email's link opened an English page."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), signup_data(organisation=organisation.pk, preferred_language="fr"))
    link = confirmation_link(mail.outbox[-1])
    fresh = Client()  # another browser, in English
    page = fresh.get(link, headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="fr"' in page
