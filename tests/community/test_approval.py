"""Staff approve or reject memberships, one by one or in bulk; the person is emailed either way."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from community import services
from community.models import Member, MemberStatus, OrganisationStatus

from ..factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_approve_sets_status_and_emails_in_member_language(
    pending_member, staff, django_capture_on_commit_callbacks
):
    pending_member.preferred_language = "fr"
    pending_member.save()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.members_approve(members=[pending_member], by=staff)
    assert result.decided == [pending_member]
    pending_member.refresh_from_db()
    assert pending_member.status == MemberStatus.APPROVED
    assert pending_member.status_changed_by == staff
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [pending_member.user.email]
    with translation.override("fr"):
        assert message.subject == gettext("Your membership of the City Managers Community is approved")
    assert message.subject != "Your membership of the City Managers Community is approved"
    assert "/dashboard/" in message.body
    assert message.extra_headers["X-Portal-Dedupe-Key"].startswith(f"membership-approved:{pending_member.pk}:")
    html = message.alternatives[0][0]
    assert pending_member.organisation.name in html


def test_reject_emails_the_reason_escaped_in_html(pending_member, staff, django_capture_on_commit_callbacks):
    reason = "Please apply through <b>your</b> city's manager."
    with django_capture_on_commit_callbacks(execute=True):
        services.members_reject(members=[pending_member], by=staff, reason=reason)
    pending_member.refresh_from_db()
    assert pending_member.status == MemberStatus.REJECTED
    assert pending_member.rejection_reason == reason
    (message,) = mail.outbox
    assert reason in message.body  # plain text keeps it as written
    html = message.alternatives[0][0]
    assert "&lt;b&gt;your&lt;/b&gt;" in html
    assert "<b>your</b>" not in html


def test_rolled_back_decision_sends_nothing(pending_member, staff, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.members_approve(members=[pending_member], by=staff)
        raise RuntimeError("boom")
    pending_member.refresh_from_db()
    assert pending_member.status == MemberStatus.PENDING
    assert mail.outbox == []


def test_approve_twice_emails_once(pending_member, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.members_approve(members=[pending_member], by=staff)
        result = services.members_approve(members=[pending_member], by=staff)
    assert result.decided == []
    assert len(mail.outbox) == 1


def test_member_of_proposed_organisation_is_not_approved_until_it_is_confirmed(staff):
    proposed = OrganisationFactory(status=OrganisationStatus.PROPOSED)
    member = MemberFactory(organisation=proposed, status=MemberStatus.PENDING)
    result = services.members_approve(members=[member], by=staff)
    assert result.decided == []
    assert result.skipped == [(member, services.SkipReason.ORGANISATION_PROPOSED)]
    member.refresh_from_db()
    assert member.status == MemberStatus.PENDING


def test_bulk_approve_admin_action(client, staff, organisation, django_capture_on_commit_callbacks):
    pending = [MemberFactory(organisation=organisation, status=MemberStatus.PENDING) for _ in range(3)]
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:community_member_changelist"),
            {"action": "approve", "_selected_action": [m.pk for m in pending]},
            follow=True,
        )
    assert response.status_code == 200
    assert Member.objects.filter(pk__in=[m.pk for m in pending], status=MemberStatus.APPROVED).count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.user.email for m in pending)


def test_bulk_reject_admin_action_asks_for_a_reason_then_rejects(
    client, staff, pending_member, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    url = reverse("admin:community_member_changelist")
    response = client.post(url, {"action": "reject", "_selected_action": [pending_member.pk]})
    assert response.status_code == 200
    assert "Reject and send the emails" in response.content.decode()
    pending_member.refresh_from_db()
    assert pending_member.status == MemberStatus.PENDING  # nothing happens before confirming

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"action": "reject", "_selected_action": [pending_member.pk], "apply": "1", "reason": "Duplicate."},
        )
    assert response.status_code == 302
    pending_member.refresh_from_db()
    assert pending_member.status == MemberStatus.REJECTED
    assert pending_member.rejection_reason == "Duplicate."
    assert len(mail.outbox) == 1


def test_approved_member_reaches_dashboard_after_approval(client, pending_member, staff):
    client.force_login(pending_member.user)
    assert client.get(reverse("community:dashboard")).status_code == 302
    services.members_approve(members=[pending_member], by=staff)
    assert client.get(reverse("community:dashboard")).status_code == 200
