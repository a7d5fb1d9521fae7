"""Small defects found in the groundwork review (issue #7, item 11): each failed before its fix."""

import os
import warnings
from datetime import timedelta

import pytest
from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from community import services
from community.forms import OrganisationAdminForm
from community.models import Member, MembershipInvitation, MemberStatus, Organisation, OrganisationStatus
from mailings.delivery import outbox_sweep
from mailings.models import OutboxMessage, OutboxStatus

from ..factories import MembershipInvitationFactory, OrganisationFactory, UserFactory
from ..settings_probe import read_settings
from .test_signup import signup_data

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------ invitations in the admin
def test_two_staff_inviting_one_address_at_once_get_one_clear_error(client, staff, organisation, monkeypatch):
    """The other staff member's invitation is committed between this form's check and its save: the
    form's check did not see it yet, the service's does."""
    MembershipInvitationFactory(email="pablo@amb.example", organisation=organisation)
    real_validate = services.membership_invitation_validate
    calls = []

    def validate(**kwargs):
        calls.append(kwargs)
        if len(calls) > 1:
            real_validate(**kwargs)

    monkeypatch.setattr(services, "membership_invitation_validate", validate)
    client.force_login(staff)
    response = client.post(
        reverse("admin:community_membershipinvitation_add"),
        {"email": "pablo@amb.example", "first_name": "", "last_name": "", "organisation": organisation.pk,
         "language": "en"},
    )
    assert response.status_code == 200  # the form again, not "added successfully"
    assert "already has an invitation that is not used yet" in response.content.decode()
    assert not [m for m in get_messages(response.wsgi_request) if "successfully" in str(m)]
    assert MembershipInvitation.objects.count() == 1
    assert not LogEntry.objects.exists()  # no "added" entry for an object that was never added


def test_invite_turns_the_databases_refusal_into_a_validation_error(staff, organisation, monkeypatch):
    """Under PostgreSQL the two inserts race past every check; the unique index refuses the second."""
    MembershipInvitationFactory(email="pablo@amb.example", organisation=organisation)
    real_validate = services.membership_invitation_validate
    calls = []

    def validate(**kwargs):
        calls.append(kwargs)
        if len(calls) > 1:  # the first check ran before the other invitation was committed
            real_validate(**kwargs)

    monkeypatch.setattr(services, "membership_invitation_validate", validate)
    monkeypatch.setattr(MembershipInvitation, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(services.ValidationError) as error:
        services.membership_invite(email="pablo@amb.example", organisation=organisation, by=staff)
    assert "already has an invitation" in str(error.value)
    assert MembershipInvitation.objects.count() == 1


# ------------------------------------------------------------------------------ member_register
def test_member_register_refuses_an_organisation_beside_an_invitation(staff, organisation, other_organisation):
    invitation = MembershipInvitationFactory(organisation=organisation, invited_by=staff)
    user = UserFactory(email=invitation.email)
    with pytest.raises(ValueError, match="invitation fixes the organisation"):
        services.member_register(
            user=user, organisation=other_organisation, job_title="COO", preferred_language="en",
            time_zone="UTC", invitation=invitation,
        )
    assert not Member.objects.exists()


# ------------------------------------------------------------------------------ sign-up: one place each
def test_proposing_an_organisation_is_checked_once_per_sign_up(client, monkeypatch):
    real = services.organisation_check_proposable
    calls = []

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "organisation_check_proposable", spy)
    data = signup_data(new_organisation_name="Lagos", new_organisation_country="NG",
                       new_organisation_region="africa", new_organisation_kind="city")
    assert client.post(reverse("account_signup"), data).status_code == 302
    assert len(calls) == 1
    assert Member.objects.get().organisation.name == "Lagos"


def test_proposing_a_confirmed_organisation_shows_the_error_by_its_name_and_creates_nothing(client, organisation):
    data = signup_data(new_organisation_name=organisation.name.upper(), new_organisation_country="ES",
                       new_organisation_region="europe", new_organisation_kind="city")
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["new_organisation_name"] == [
        "This organisation is already registered: choose it from the list above."
    ]
    assert not Member.objects.exists()
    assert not UserFactory._meta.model.objects.filter(email=data["email"]).exists()


# ------------------------------------------------------------------------------ names and enums
def test_confirmed_organisations_are_named_so(organisation):
    OrganisationFactory(status=OrganisationStatus.PROPOSED)
    OrganisationFactory(status=OrganisationStatus.FORMER)
    assert list(Organisation.objects.confirmed()) == [organisation]
    assert not hasattr(Organisation.objects, "members")  # it returned organisations, not members
    assert set(AllauthSignupForm().fields["organisation"].queryset) == {organisation}


def test_skip_reasons_are_an_enum_shown_by_label(client, staff, member):
    result = services.members_approve(members=[member], by=staff)
    assert result.skipped == [(member, services.SkipReason.ALREADY_APPROVED)]
    client.force_login(staff)
    response = client.post(
        reverse("admin:community_member_changelist"), {"action": "approve", "_selected_action": [member.pk]},
        follow=True,
    )
    assert "was skipped: already approved." in response.content.decode()


def test_invitation_problems_are_an_enum():
    with pytest.raises(services.InvitationError) as error:
        services.membership_invitation_check("not-a-token")
    assert error.value.reason is services.InvitationProblem.INVALID


# ------------------------------------------------------------------------------ outbox sweep clock
def test_outbox_sweep_writes_the_time_it_is_given():
    now = timezone.now() + timedelta(hours=3)
    row = OutboxMessage.objects.create(
        dedupe_key="stuck", recipient="a@example.org", template="t", subject="s", body_text="b",
        status=OutboxStatus.SENDING, sending_started_at=now - timedelta(hours=1), next_attempt_at=now,
        created_at=now,
    )
    outbox_sweep(now=now)
    row.refresh_from_db()
    assert row.status in (OutboxStatus.QUEUED, OutboxStatus.SENT)
    assert row.next_attempt_at == now


# ------------------------------------------------------------------------------ URL fields
def test_url_fields_assume_https_without_the_deprecated_setting(settings):
    assert not settings.is_overridden("FORMS_URLFIELD_ASSUME_HTTPS")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        form = OrganisationAdminForm(
            data={"name": "Lagos", "country": "NG", "region": "africa", "kind": "city", "website": "lagos.gov.ng",
                  "status": "member"}
        )
        assert form.is_valid(), form.errors
        AllauthSignupForm()
    assert form.cleaned_data["website"] == "https://lagos.gov.ng"


# ------------------------------------------------------------------------------ Celery without a broker
def test_only_the_local_settings_run_tasks_in_process_and_only_without_a_broker():
    environ = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    readings = read_settings([
        ("config.settings.local", ("CELERY_TASK_ALWAYS_EAGER",), environ),
        ("config.settings.local", ("CELERY_TASK_ALWAYS_EAGER",), {**environ, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}),
        ("config.settings.base", ("CELERY_TASK_ALWAYS_EAGER",), environ),  # no silent switch to in-process tasks
    ])
    assert [reading.values.get("CELERY_TASK_ALWAYS_EAGER") for reading in readings] == ["True", "False", "False"], (
        readings
    )


def test_pending_member_status_unchanged_by_register_without_invitation(organisation):
    user = UserFactory()
    member = services.member_register(
        user=user, organisation=organisation, job_title="COO", preferred_language="en", time_zone="UTC"
    )
    assert member.status == MemberStatus.PENDING and member.organisation == organisation
