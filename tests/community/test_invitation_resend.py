"""Security issue #6, item 8: "Send the invitation again" revokes the link sent before."""

import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from community import services
from community.models import Member, MemberStatus

pytestmark = pytest.mark.django_db


def join_paths():
    return [re.search(r"http://[^/\s]+(/join/[^\s]+/)", message.body).group(1) for message in mail.outbox]


def test_sending_again_revokes_the_old_link_and_the_new_one_works(
    client, staff, organisation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.membership_invite(email="laura@amb.example", organisation=organisation, by=staff)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:community_membershipinvitation_changelist"),
                    {"action": "send_again", "_selected_action": [invitation.pk]})
    client.logout()
    old, new = join_paths()
    assert old != new

    response = client.get(old)
    assert response.status_code == 410
    assert "sent to you again" in response.content.decode()

    assert client.get(new).status_code == 302
    response = client.post(reverse("account_signup"), {
        "password1": "green-infrastructure-2020", "password2": "green-infrastructure-2020",
        "first_name": "Laura", "last_name": "P", "job_title": "Manager", "preferred_language": "en",
        "time_zone": "UTC", "privacy_consent": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Member.objects.get(user__email="laura@amb.example").status == MemberStatus.APPROVED


def test_old_link_opened_before_the_resend_cannot_finish_the_signup(
    client, staff, organisation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.membership_invite(email="laura@amb.example", organisation=organisation, by=staff)
    client.get(join_paths()[0])  # the sign-up page is open with the old link
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_invitations_resend(invitations=[invitation])
    response = client.post(reverse("account_signup"), {"password1": "x", "password2": "x"})
    assert response.status_code == 410
    assert not Member.objects.exists()


def test_links_signed_before_versions_existed_still_work_until_sent_again(staff, organisation):
    invitation = services.membership_invite(email="laura@amb.example", organisation=organisation, by=staff)
    legacy = signing.dumps({"invitation": invitation.pk}, salt=services.INVITATION_SALT, compress=True)
    assert services.membership_invitation_check(legacy) == invitation
    services.membership_invitations_resend(invitations=[invitation])
    with pytest.raises(services.InvitationError) as error:
        services.membership_invitation_check(legacy)
    assert error.value.reason == "replaced"
