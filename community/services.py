"""Membership rules: registration, approval, staff invitations, organisations.

Views, admin actions and commands call these functions; they own the transaction and the
emails it causes.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from mailings.services import mail_queue

from .addresses import normalize_email
from .models import (
    Edition,
    EditionStatus,
    Member,
    MembershipInvitation,
    MemberStatus,
    Organisation,
    OrganisationStatus,
    User,
)

INVITATION_SALT = "community.membership-invitation"


# ------------------------------------------------------------------------------ organisations
def organisation_find_duplicate(*, name: str, country: str, exclude_pk: int | None = None) -> Organisation | None:
    queryset = Organisation.objects.annotate(name_lower=Lower("name")).filter(
        name_lower=name.strip().lower(), country=country
    )
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.first()


def organisation_check_proposable(*, name: str, country: str) -> Organisation | None:
    """Refuse to propose a confirmed member organisation again (it is in the sign-up list); return
    the proposed or former one of that name and country, which a newcomer joins, if any."""
    existing = organisation_find_duplicate(name=name, country=country)
    if existing is not None and existing.status == OrganisationStatus.MEMBER:
        raise ValidationError(
            {"new_organisation_name": _("This organisation is already registered: choose it from the list above.")}
        )
    return existing


def organisation_propose(*, name: str, country: str, region: str, kind: str, website: str = "") -> Organisation:
    """The organisation a person names at sign-up: new and "proposed" (staff confirm or merge it),
    or the one already proposed (or formerly a member) under that name and country, so that
    colleagues who sign up after the first join the same one."""
    name = name.strip()
    existing = organisation_check_proposable(name=name, country=country)
    if existing is not None:
        return existing
    organisation = Organisation(
        name=name, country=country, region=region, kind=kind, website=website, status=OrganisationStatus.PROPOSED
    )
    organisation.full_clean()
    organisation.save()
    return organisation


def organisations_confirm(*, organisations) -> int:
    return Organisation.objects.filter(pk__in=[o.pk for o in organisations]).proposed().update(
        status=OrganisationStatus.MEMBER
    )


@transaction.atomic
def organisations_merge(*, sources, target: Organisation) -> int:
    """Move every member and invitation of proposed ``sources`` to ``target`` and delete the sources.

    Only organisations proposed at sign-up can be merged away: a confirmed one has a history.
    """
    if target.status == OrganisationStatus.PROPOSED:
        raise ValidationError(_("Merge into a confirmed organisation, or confirm it first."))
    sources = [o for o in sources if o.pk != target.pk]
    confirmed = [o.name for o in sources if o.status != OrganisationStatus.PROPOSED]
    if confirmed:
        raise ValidationError(
            _("Only proposed organisations can be merged away; these are confirmed: %(names)s.")
            % {"names": ", ".join(confirmed)}
        )
    source_ids = [o.pk for o in sources]
    if not source_ids:
        return 0
    Member.objects.filter(organisation_id__in=source_ids).update(organisation=target)
    MembershipInvitation.objects.filter(organisation_id__in=source_ids).update(organisation=target)
    Organisation.objects.filter(pk__in=source_ids).delete()
    return len(source_ids)


# ------------------------------------------------------------------------------ registration
@transaction.atomic
def member_register(
    *,
    user: User,
    organisation: Organisation | None,
    job_title: str,
    preferred_language: str,
    time_zone: str,
    invitation: MembershipInvitation | None = None,
) -> Member:
    """Create the membership of a person who signed up: pending in ``organisation``, or approved in
    the invitation's organisation if staff invited them."""
    now = timezone.now()
    member = Member(
        user=user,
        organisation=organisation,
        job_title=job_title,
        preferred_language=preferred_language,
        time_zone=time_zone,
        privacy_notice_version=settings.PRIVACY_NOTICE_VERSION,
        privacy_consented_at=now,
    )
    if invitation is not None:
        member.organisation = invitation.organisation
        member.status = MemberStatus.APPROVED
        member.status_changed_at = now
        member.status_changed_by = invitation.invited_by
    if invitation is not None:
        membership_invitation_lock(invitation)
    member.full_clean(exclude=["user"])
    member.save()
    if invitation is not None:
        # The row is locked (membership_invitation_lock); the filter is a second guard.
        updated = MembershipInvitation.objects.pending().filter(pk=invitation.pk).update(
            accepted_at=now, member=member
        )
        if not updated:
            raise InvitationError("used")
    return member


@transaction.atomic
def member_update_profile(
    *,
    member: Member,
    first_name: str | None = None,
    last_name: str | None = None,
    job_title: str | None = None,
    preferred_language: str | None = None,
    time_zone: str | None = None,
) -> Member:
    """Change what a member may change about themselves; fields left None stay as they are."""
    for field, value in (("job_title", job_title), ("preferred_language", preferred_language),
                         ("time_zone", time_zone)):
        if value is not None:
            setattr(member, field, value)
    member.full_clean(exclude=["user"])
    member.save(update_fields=["job_title", "preferred_language", "time_zone"])
    names = {"first_name": first_name, "last_name": last_name}
    if any(value is not None for value in names.values()):
        for field, value in names.items():
            if value is not None:
                setattr(member.user, field, value)
        member.user.save(update_fields=[field for field, value in names.items() if value is not None])
    return member


# ------------------------------------------------------------------------------ approval
@dataclass
class DecisionResult:
    decided: list[Member]
    skipped: list[tuple[Member, str]]


def members_approve(*, members, by: User) -> DecisionResult:
    """Approve memberships and email each person. Already approved ones, and members of an
    organisation still awaiting confirmation, are skipped with the reason."""

    def blocked(member):
        if member.organisation.status == OrganisationStatus.PROPOSED:
            return _("its organisation awaits confirmation (confirm or merge it first)")
        return None

    return _decide(members=members, by=by, status=MemberStatus.APPROVED, blocked=blocked)


def members_reject(*, members, by: User, reason: str = "") -> DecisionResult:
    """Reject memberships and email each person the reason. Already rejected ones are skipped."""
    return _decide(members=members, by=by, status=MemberStatus.REJECTED, reason=reason)


_ALREADY = {MemberStatus.APPROVED: _lazy("already approved"), MemberStatus.REJECTED: _lazy("already rejected")}
_DECISION_EMAIL = {MemberStatus.APPROVED: "membership_approved", MemberStatus.REJECTED: "membership_rejected"}


@transaction.atomic
def _decide(*, members, by: User, status: str, reason: str = "", blocked=lambda member: None) -> DecisionResult:
    result = DecisionResult(decided=[], skipped=[])
    now = timezone.now()
    for member in _lock(members):
        why_not = str(_ALREADY[status]) if member.status == status else blocked(member)
        if why_not:
            result.skipped.append((member, why_not))
            continue
        member.status = status
        member.status_changed_at = now
        member.status_changed_by = by
        member.rejection_reason = reason
        member.save(update_fields=["status", "status_changed_at", "status_changed_by", "rejection_reason"])
        template = _DECISION_EMAIL[status]
        # A decision taken again later (approved, rejected, approved) is a new email each time.
        key = f"{template.replace('_', '-')}:{member.pk}:{now.isoformat()}"
        _mail_member(member, template=template, key=key, reason=reason)
        result.decided.append(member)
    return result


def _lock(members):
    # Two staff deciding at once see each other's decision instead of emailing twice.
    ids = [m.pk for m in members]
    return Member.objects.select_for_update(of=("self",)).select_related("user", "organisation").filter(pk__in=ids)


def _mail_member(member: Member, *, template: str, key: str, **context) -> None:
    mail_queue(
        cause=f"{template.replace('_', ' ')}: member {member.pk}",
        to=member.user.email,
        template=template,
        context={
            "first_name": member.user.first_name,
            "organisation_name": member.organisation.name,
            "dashboard_url": settings.PORTAL_BASE_URL + reverse("community:dashboard"),
            **context,
        },
        language=member.preferred_language,
        time_zone=member.time_zone,
        dedupe_key=key,
    )


# ------------------------------------------------------------------------------ editions
edition_copied = Signal()  # sent with source= and edition=; later apps copy their parts (survey...)


@transaction.atomic
def edition_copy(*, source: Edition, year: int | None = None) -> Edition:
    """Start a new edition (a draft) as a copy of ``source``: next year unless told otherwise."""
    year = year or source.year + 1
    if Edition.objects.filter(year=year).exists():
        raise ValidationError(_("There is already an edition for %(year)s.") % {"year": year})
    edition = Edition(year=year, theme=source.theme, description=source.description, status=EditionStatus.DRAFT)
    edition.full_clean()
    edition.save()
    edition_copied.send(sender=Edition, source=source, edition=edition)
    return edition


# ------------------------------------------------------------------------------ invitations
class InvitationError(Exception):
    """A membership invitation link that cannot be used, with the reason to show."""

    def __init__(self, reason: str):
        self.reason = reason  # "invalid", "expired", "replaced" (sent again since) or "used"
        super().__init__(reason)


def membership_invitation_token(invitation: MembershipInvitation) -> str:
    # The version makes "send again" revoke the earlier links (links signed before it existed are version 1).
    return signing.dumps(
        {"invitation": invitation.pk, "v": invitation.link_version}, salt=INVITATION_SALT, compress=True
    )


def membership_invitation_url(invitation: MembershipInvitation) -> str:
    token = membership_invitation_token(invitation)
    return settings.PORTAL_BASE_URL + reverse("community:invitation_accept", kwargs={"token": token})


@transaction.atomic
def membership_invite(
    *, email: str, organisation: Organisation, by: User | None, first_name: str = "", last_name: str = "",
    language: str = "en",
) -> MembershipInvitation:
    """Invite a person to join with a pre-approved membership, and email them the signed link in
    ``language``."""
    email = _normalize_or_refuse(email)
    membership_invitation_validate(email=email, organisation=organisation)
    invitation = MembershipInvitation(
        email=email, first_name=first_name, last_name=last_name, organisation=organisation, invited_by=by,
        language=language,
    )
    invitation.full_clean()
    invitation.save()
    _mail_invitation(invitation, key=f"membership-invitation:{invitation.pk}")
    return invitation


@transaction.atomic
def membership_invitations_resend(*, invitations) -> int:
    """Email a fresh link (a new validity period) for each invitation not used yet; the links sent
    before stop working (a forwarded or leaked old email cannot be used)."""
    now = timezone.now()
    pending = (
        MembershipInvitation.objects.pending().select_for_update(of=("self",))
        .select_related("organisation", "invited_by")
        .filter(pk__in=[i.pk for i in invitations])
    )
    count = 0
    for invitation in pending:
        invitation.link_version += 1
        invitation.save(update_fields=["link_version"])
        _mail_invitation(invitation, key=f"membership-invitation:{invitation.pk}:again:{now.isoformat()}")
        count += 1
    return count


def _mail_invitation(invitation: MembershipInvitation, *, key: str) -> None:
    mail_queue(
        to=invitation.email,
        template="membership_invitation",
        context={
            "first_name": invitation.first_name,
            "organisation_name": invitation.organisation.name,
            "accept_url": membership_invitation_url(invitation),
            "valid_days": settings.MEMBERSHIP_INVITATION_MAX_AGE_DAYS,
        },
        language=invitation.language,
        dedupe_key=key,
        cause=f"membership invitation {invitation.pk} by {invitation.invited_by}",
        sensitive=True,
    )


def _normalize_or_refuse(email: str) -> str:
    try:
        return normalize_email(email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from None


def membership_invitation_validate(*, email: str, organisation: Organisation) -> None:
    errors = {}
    # Compared in the canonical form: a look-alike of a member's address is that member's address.
    email = _normalize_or_refuse(email)
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = _("A person with this email address already has an account.")
    elif MembershipInvitation.objects.pending().filter(email__iexact=email).exists():
        errors["email"] = _(
            "This person already has an invitation that is not used yet: select it in the list and choose "
            "“Send the invitation again”."
        )  # the database constraint says the same without the hint (models.MembershipInvitation)
    if organisation.status != OrganisationStatus.MEMBER:
        errors["organisation"] = _("Invite people only to a confirmed member organisation.")
    if errors:
        raise ValidationError(errors)


def membership_invitation_check(token: str) -> MembershipInvitation:
    """Return the invitation a link stands for, or raise InvitationError saying why it cannot be used."""
    max_age = timedelta(days=settings.MEMBERSHIP_INVITATION_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InvitationError("expired") from None
    except signing.BadSignature:
        raise InvitationError("invalid") from None
    invitation = (
        MembershipInvitation.objects.select_related("organisation").filter(pk=payload.get("invitation")).first()
    )
    if invitation is None:
        raise InvitationError("invalid")
    if invitation.is_used:
        raise InvitationError("used")
    if payload.get("v", 1) != invitation.link_version:
        raise InvitationError("replaced")
    return invitation


def membership_invitation_lock(invitation: MembershipInvitation) -> MembershipInvitation:
    """Lock the invitation's row until the sign-up's transaction ends, so that two sign-ups on one
    link at the same moment queue up: the second then finds it used (InvitationError "used")
    instead of failing on the account's unique address. Call it inside a transaction, first."""
    locked = MembershipInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None:
        raise InvitationError("invalid")
    if locked.is_used:
        raise InvitationError("used")
    return locked
