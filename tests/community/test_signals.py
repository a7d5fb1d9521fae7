"""community.signals: each signal reaches a receiver with the right arguments, at the right time."""

import pytest

from community import services, signals
from community.models import Member, MembershipInvitation, Organisation, OrganisationStatus

from ..factories import MemberFactory, MembershipInvitationFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """Connect a recording receiver to a signal for one test."""
    connected = []

    def _listen(signal, check=None):
        calls = []

        def receiver(sender, **kwargs):
            calls.append({"sender": sender, **kwargs, **(check(**kwargs) if check else {})})

        signal.connect(receiver, weak=False)
        connected.append((signal, receiver))
        return calls

    yield _listen
    for signal, receiver in connected:
        signal.disconnect(receiver)


def test_member_approved_on_commit_with_the_approved_members_only(
    received, staff, pending_member, member, django_capture_on_commit_callbacks
):
    calls = received(signals.member_approved)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.members_approve(members=[pending_member, member], by=staff)
    assert calls == []  # not before the commit
    for callback in callbacks:
        callback()
    assert len(calls) == 1
    assert calls[0]["sender"] is Member
    assert [m.pk for m in calls[0]["members"]] == [pending_member.pk]  # the already approved one is skipped
    assert calls[0]["by"] == staff


def test_member_rejected_on_commit_with_the_reason(received, staff, pending_member, django_capture_on_commit_callbacks):
    calls = received(signals.member_rejected)
    with django_capture_on_commit_callbacks(execute=True):
        services.members_reject(members=[pending_member], by=staff, reason="Not a city manager")
    assert len(calls) == 1
    assert [m.pk for m in calls[0]["members"]] == [pending_member.pk]
    assert (calls[0]["by"], calls[0]["reason"]) == (staff, "Not a city manager")


def test_a_failing_on_commit_receiver_does_not_undo_the_decision(
    received, staff, pending_member, django_capture_on_commit_callbacks, caplog
):
    def broken(sender, **kwargs):
        raise RuntimeError("survey app is down")

    signals.member_approved.connect(broken, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.members_approve(members=[pending_member], by=staff)
    finally:
        signals.member_approved.disconnect(broken)
    pending_member.refresh_from_db()
    assert pending_member.is_approved
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert any("survey app is down" in str(r.exc_info) for r in errors)


def test_member_registered_on_commit_with_the_invitation(
    received, staff, organisation, django_capture_on_commit_callbacks
):
    from ..factories import UserFactory

    calls = received(signals.member_registered)
    invitation = MembershipInvitationFactory(organisation=organisation, invited_by=staff)
    user = UserFactory(email=invitation.email)
    with django_capture_on_commit_callbacks(execute=True):
        member = services.member_register(
            user=user, organisation=None, job_title="COO", preferred_language="fr", time_zone="UTC",
            invitation=invitation,
        )
    assert len(calls) == 1
    assert (calls[0]["member"], calls[0]["invitation"]) == (member, invitation)
    assert calls[0]["member"].is_approved


def test_organisations_merged_is_sent_before_the_merged_are_deleted(received, staff, organisation):
    proposed = [OrganisationFactory(status=OrganisationStatus.PROPOSED) for _ in range(2)]
    MemberFactory(organisation=proposed[0], status="pending")
    calls = received(
        signals.organisations_merged,
        # What a receiver can still see inside the transaction, at the moment it is called.
        check=lambda target, merged, **kwargs: {
            "still_there": Organisation.objects.filter(pk__in=[o.pk for o in merged]).count(),
            "members_moved": not Member.objects.filter(organisation__in=merged).exists(),
        },
    )
    services.organisations_merge(sources=[*proposed, organisation], target=organisation)
    assert len(calls) == 1
    assert calls[0]["target"] == organisation
    assert sorted(o.pk for o in calls[0]["merged"]) == sorted(o.pk for o in proposed)  # not the target
    assert calls[0]["still_there"] == 2
    assert calls[0]["members_moved"]
    assert not Organisation.objects.filter(pk__in=[o.pk for o in proposed]).exists()


def test_a_failing_merge_receiver_undoes_the_merge(organisation):
    proposed = OrganisationFactory(status=OrganisationStatus.PROPOSED)
    mover = MemberFactory(organisation=proposed, status="pending")

    def broken(sender, **kwargs):
        raise RuntimeError("could not move the portrait")

    signals.organisations_merged.connect(broken, weak=False)
    try:
        with pytest.raises(RuntimeError):
            services.organisations_merge(sources=[proposed], target=organisation)
    finally:
        signals.organisations_merged.disconnect(broken)
    mover.refresh_from_db()
    assert mover.organisation == proposed  # nothing moved, nothing deleted
    assert Organisation.objects.filter(pk=proposed.pk).exists()


def test_edition_copied_in_the_transaction_with_source_and_new_edition(received, edition):
    calls = received(signals.edition_copied)
    copy = services.edition_copy(source=edition)
    assert len(calls) == 1
    assert (calls[0]["source"], calls[0]["edition"]) == (edition, copy)
    # Its former import path still works for code written against it.
    assert services.edition_copied is signals.edition_copied


def test_member_organisation_changed_from_the_admin(received, client, staff, member, other_organisation):
    calls = received(signals.member_organisation_changed)
    client.force_login(staff)
    data = {
        "organisation": other_organisation.pk, "job_title": member.job_title,
        "preferred_language": member.preferred_language, "time_zone": member.time_zone,
    }
    response = client.post(f"/admin/community/member/{member.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert len(calls) == 1
    assert (calls[0]["member"].pk, calls[0]["previous"], calls[0]["by"]) == (
        member.pk, member.organisation, staff,
    )
    assert calls[0]["member"].organisation == other_organisation
    member.refresh_from_db()
    assert member.organisation == other_organisation


def test_member_organisation_change_refuses_a_proposed_organisation(staff, member):
    proposed = OrganisationFactory(status=OrganisationStatus.PROPOSED)
    with pytest.raises(services.ValidationError):
        services.member_organisation_change(member=member, organisation=proposed, by=staff)
    assert MembershipInvitation.objects.count() == 0
    member.refresh_from_db()
    assert member.organisation != proposed
