"""Staff invite a person with a pre-approved membership: a signed, expiring, single-use link."""

import re
import time

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from community import services
from community.models import Member, MembershipInvitation, MemberStatus, OrganisationStatus

from ..factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(staff, organisation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.membership_invite(
            email="Laura.Perez@AMB.example", organisation=organisation, by=staff, first_name="Laura"
        )


def link_path(message):
    match = re.search(r"http://[^/\s]+(/join/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def signup_post(**overrides):
    data = {
        "password1": "green-infrastructure-2020",
        "password2": "green-infrastructure-2020",
        "first_name": "Laura",
        "last_name": "Pérez",
        "job_title": "Metropolitan manager",
        "preferred_language": "es",
        "time_zone": "Europe/Madrid",
        "privacy_consent": "on",
    }
    data.update(overrides)
    return data


def test_invitation_email_carries_a_signed_link(invitation):
    (message,) = mail.outbox
    assert message.to == ["laura.perez@amb.example"]
    assert "/join/" in message.body
    assert invitation.invited_by is not None


def test_valid_link_signs_up_with_approved_membership_and_no_verification(client, invitation):
    path = link_path(mail.outbox[0])
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_signup")

    page = client.get(reverse("account_signup")).content.decode()
    assert invitation.organisation.name in page
    assert "laura.perez@amb.example" in page

    # The email field is locked: a different address in the POST is ignored.
    response = client.post(reverse("account_signup"), signup_post(email="someone.else@example.org"))
    assert response.status_code == 302, response.content.decode()[:3000]
    member = Member.objects.get(user__email="laura.perez@amb.example")
    assert member.status == MemberStatus.APPROVED
    assert member.organisation == invitation.organisation
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.member == member
    # The link proved the address: the member is logged in straight away and reaches member pages.
    assert client.get(reverse("community:dashboard")).status_code == 200


def test_used_link_gets_a_clear_page(client, invitation):
    path = link_path(mail.outbox[0])
    client.get(path)
    client.post(reverse("account_signup"), signup_post())
    client.logout()
    response = client.get(path)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_tampered_link_gets_a_clear_page(client, invitation):
    path = link_path(mail.outbox[0])
    token = path.split("/")[2]
    tampered = f"/join/{token[:-3]}abc/"
    response = client.get(tampered)
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    # A link forged for another invitation id without the secret is refused too.
    forged = signing.dumps({"invitation": invitation.pk}, salt="another-salt", compress=True)
    assert client.get(f"/join/{forged}/").status_code == 400


def test_expired_link_gets_a_clear_page(client, invitation, settings, monkeypatch):
    path = link_path(mail.outbox[0])
    later = time.time() + (settings.MEMBERSHIP_INVITATION_MAX_AGE_DAYS + 1) * 86400
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_signup_refused_when_link_expires_between_page_and_post(client, invitation, settings, monkeypatch):
    client.get(link_path(mail.outbox[0]))
    later = time.time() + (settings.MEMBERSHIP_INVITATION_MAX_AGE_DAYS + 1) * 86400
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    client.post(reverse("account_signup"), signup_post(email="laura.perez@amb.example", organisation=""))
    # Without a valid invitation the form is an ordinary sign-up: no approved membership comes of it.
    assert not Member.objects.filter(status=MemberStatus.APPROVED, user__email="laura.perez@amb.example").exists()


def test_cannot_invite_an_existing_account(staff, organisation):
    UserFactory(email="taken@example.org")
    with pytest.raises(services.ValidationError):
        services.membership_invite(email="TAKEN@example.org", organisation=organisation, by=staff)
    assert not MembershipInvitation.objects.exists()


def test_cannot_invite_to_a_proposed_organisation(staff):
    proposed = OrganisationFactory(status=OrganisationStatus.PROPOSED)
    with pytest.raises(services.ValidationError):
        services.membership_invite(email="new@example.org", organisation=proposed, by=staff)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_staff_invite_from_admin_in_the_chosen_language(
    client, staff, organisation, django_capture_on_commit_callbacks, language
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:community_membershipinvitation_add"),
            {"email": "pablo@amb.example", "first_name": "Pablo", "last_name": "", "organisation": organisation.pk,
             "language": language},
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    invitation = MembershipInvitation.objects.get()
    assert (invitation.email, invitation.language) == ("pablo@amb.example", language)
    (message,) = mail.outbox
    assert message.to == ["pablo@amb.example"]
    with translation.override(language):
        assert message.subject == gettext("You are invited to join the City Managers Community")
    # The sign-up form then starts in that language.
    path = link_path(message)
    client.logout()
    client.get(path)
    form = client.get(reverse("account_signup")).context["form"]
    assert form.fields["preferred_language"].initial == language


def test_admin_invite_form_refuses_existing_account_with_a_message(client, staff, organisation):
    UserFactory(email="taken@example.org")
    client.force_login(staff)
    response = client.post(
        reverse("admin:community_membershipinvitation_add"),
        {"email": "taken@example.org", "first_name": "", "last_name": "", "organisation": organisation.pk,
         "language": "en"},
    )
    assert response.status_code == 200
    assert "already has an account" in response.content.decode()
    assert not MembershipInvitation.objects.exists()


def test_signed_in_person_opening_an_invitation_is_told_to_log_out(client, invitation, member):
    client.force_login(member.user)
    response = client.get(link_path(mail.outbox[0]))
    assert response.status_code == 409
    assert "Log out first" in response.content.decode()


def test_the_sign_up_page_speaks_the_invitation_emails_language(client, staff, organisation,
                                                                django_capture_on_commit_callbacks):
    """The walk of 2026-11-29: a Spanish invitation's link opened an English sign-up page."""
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_invite(email="lucia@amb.example", organisation=organisation, by=staff, language="es")
    client.get(link_path(mail.outbox[-1]))
    page = client.get(reverse("account_signup"), headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="es"' in page
    client.cookies["django_language"] = "fr"  # a language picked with the switcher wins
    assert '<html lang="fr"' in client.get(reverse("account_signup")).content.decode()


def test_the_invitation_form_lists_organisations_in_reading_order(client, staff):
    """The walk of 2026-11-29: "eThekwini" and "Île-de-France" came after Z."""
    from ..factories import OrganisationFactory

    for name in ("Zurich", "eThekwini", "Île-de-France Region", "Berlin"):
        OrganisationFactory(name=name)
    client.force_login(staff)
    page = client.get(reverse("admin:community_membershipinvitation_add")).content.decode()
    select = page.split('name="organisation"')[1].split("</select>")[0]
    names = [name.split(" (")[0] for name in re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select)]
    assert [n for n in names if n in ("Zurich", "eThekwini", "Île-de-France Region", "Berlin")] == [
        "Berlin", "eThekwini", "Île-de-France Region", "Zurich"]
