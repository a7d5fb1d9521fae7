"""Invitations: issued on submission (and to a later colleague), by "invite all eligible" (never
twice), revoked when the portrait is re-opened, the exception withdrawn or the membership rejected."""

import pytest
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from community import services as community_services
from community.models import AuditEntry
from events import services
from events.models import EligibilityException, Invitation, InvitationStatus, Rsvp
from mailings.models import OutboxMessage
from surveys import services as survey_services
from surveys.models import Portrait

from ..factories import MemberFactory
from .conftest import make_respondent, make_webinar

pytestmark = pytest.mark.django_db


def fill_and_submit(survey, member, capture):
    q = survey.q
    with capture(execute=True):
        portrait = survey_services.portrait_get_or_create(survey=survey, organisation=member.organisation)
        survey_services.answer_save(portrait=portrait, question=q["single"], value=q["no"].pk, member=member,
                                    base_version=0)
        survey_services.answer_save(portrait=portrait, question=q["number"], value="12", member=member,
                                    base_version=0)
        assert survey_services.portrait_submit(portrait=portrait, member=member) == []
    return portrait


def test_submission_invites_each_respondent(survey, webinar, member, django_capture_on_commit_callbacks):
    colleague = MemberFactory(organisation=member.organisation)
    portrait = Portrait.objects.create(survey=survey, organisation=member.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        survey_services.answer_save(portrait=portrait, question=survey.q["short"], value="Parks", member=colleague,
                                    base_version=0)
    assert not Invitation.objects.exists()  # a draft opens nothing
    fill_and_submit(survey, member, django_capture_on_commit_callbacks)
    invited = set(Invitation.objects.filter(event=webinar, status=InvitationStatus.INVITED)
                  .values_list("member_id", flat=True))
    assert invited == {member.pk, colleague.pk}
    subjects = [m.subject for m in mail.outbox if m.to[0] in (member.user.email, colleague.user.email)]
    assert sum("You are invited" in s for s in subjects) == 2


def test_submitting_again_invites_nobody_twice(survey, webinar, member, django_capture_on_commit_callbacks):
    fill_and_submit(survey, member, django_capture_on_commit_callbacks)
    fill_and_submit(survey, member, django_capture_on_commit_callbacks)
    assert Invitation.objects.filter(event=webinar, member=member).count() == 1
    assert sum("You are invited" in m.subject for m in mail.outbox) == 1


def test_a_colleague_who_answers_after_the_submission_is_invited(survey, webinar, member,
                                                                  django_capture_on_commit_callbacks):
    portrait = fill_and_submit(survey, member, django_capture_on_commit_callbacks)
    colleague = MemberFactory(organisation=member.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        survey_services.answer_save(portrait=portrait, question=survey.q["short"], value="Parks", member=colleague,
                                    base_version=0)
    assert Invitation.objects.filter(event=webinar, member=colleague, status=InvitationStatus.INVITED).exists()


def test_a_reopened_portrait_revokes_its_invitations(survey, webinar, member, staff,
                                                     django_capture_on_commit_callbacks):
    portrait = fill_and_submit(survey, member, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        survey_services.portrait_reopen(portrait=portrait, by=staff, reason="Submitted by mistake")
    invitation = Invitation.objects.get(event=webinar, member=member)
    assert invitation.status == InvitationStatus.REVOKED
    assert AuditEntry.objects.filter(action="portrait.reopened").count() == 1
    # Submitted again: the same invitation becomes usable again, no second row.
    fill_and_submit(survey, member, django_capture_on_commit_callbacks)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.INVITED
    assert Invitation.objects.filter(event=webinar, member=member).count() == 1


def test_invite_all_eligible_is_idempotent_and_skips_the_ineligible(survey, webinar, staff, pending_member):
    eligible = [MemberFactory() for _ in range(3)]
    for member in eligible:
        make_respondent(survey, member)
    make_respondent(survey, pending_member)
    drafter = MemberFactory()
    make_respondent(survey, drafter, submitted=False)
    assert services.invite_all_eligible(event=webinar, by=staff) == 3
    assert services.invite_all_eligible(event=webinar, by=staff) == 0
    assert set(Invitation.objects.values_list("member_id", flat=True)) == {m.pk for m in eligible}
    assert OutboxMessage.objects.filter(template="event_invitation").count() == 3  # one email each
    assert AuditEntry.objects.filter(action="event.invited_all_eligible").count() == 2


def test_the_database_refuses_a_second_invitation(webinar, member):
    Invitation.objects.create(event=webinar, member=member)
    with pytest.raises(IntegrityError):
        Invitation.objects.create(event=webinar, member=member)


def test_invite_all_eligible_admin_action(client, staff, survey, webinar):
    member = MemberFactory()
    make_respondent(survey, member)
    client.force_login(staff)
    url = reverse("admin:events_event_changelist")
    for _ in range(2):
        response = client.post(url, {"action": "invite_all_eligible", "_selected_action": [webinar.pk]}, follow=True)
        assert response.status_code == 200
    assert Invitation.objects.filter(event=webinar, member=member).count() == 1


def test_exception_grant_invites_and_withdraw_revokes_with_audit(webinar, member, staff):
    exception = services.exception_grant(event=webinar, member=member, reason="Portrait sent by post", by=staff)
    assert exception.granted_by == staff and exception.granted_at
    assert services.member_is_eligible(member, webinar)
    invitation = Invitation.objects.get(event=webinar, member=member)
    assert invitation.status == InvitationStatus.INVITED
    services.exception_withdraw(exception=exception, by=staff)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert not services.member_is_eligible(member, webinar)
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "event_exception.granted", "event_exception.withdrawn"}


def test_an_exception_needs_a_reason(webinar, member, staff):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.exception_grant(event=webinar, member=member, reason="  ", by=staff)
    assert not EligibilityException.objects.exists()


def test_exception_through_the_admin(client, staff, webinar, member):
    client.force_login(staff)
    response = client.post(reverse("admin:events_eligibilityexception_add"),
                           {"event": webinar.pk, "member": member.pk, "reason": "Joined late"})
    assert response.status_code == 302
    exception = EligibilityException.objects.get()
    assert exception.granted_by == staff
    client.post(reverse("admin:events_eligibilityexception_changelist"),
                {"action": "withdraw", "_selected_action": [exception.pk]})
    exception.refresh_from_db()
    assert exception.withdrawn_by == staff


def test_rejected_member_loses_the_invitation(survey, webinar, member, staff, django_capture_on_commit_callbacks):
    make_respondent(survey, member)
    services.invitations_issue(event=webinar)
    with django_capture_on_commit_callbacks(execute=True):
        community_services.members_reject(members=[member], by=staff, reason="")
    assert Invitation.objects.get(member=member).status == InvitationStatus.REVOKED


def test_an_event_over_invites_nobody(survey, edition, member):
    from datetime import timedelta

    past = make_webinar(edition, starts_in=-timedelta(days=3))
    make_respondent(survey, member)
    assert services.invitations_issue(event=past) == []
    assert not Invitation.objects.exists()


def test_the_event_page_issues_the_invitation_of_an_eligible_member_not_invited_yet(client, survey, webinar, member):
    make_respondent(survey, member)
    client.force_login(member.user)
    client.post(reverse("events:event", args=[webinar.pk]), {"answer": "yes"})
    assert Invitation.objects.get(member=member).rsvp == Rsvp.YES
