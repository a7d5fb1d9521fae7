"""Membership rules: registration, approval, staff invitations, organisations.

Views, admin actions and commands call these functions; they own the transaction and the
emails it causes.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from mailings.services import mail_queue

from . import audit, signals
from .addresses import normalize_email
from .audit import CommunityAction
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
from .translated import translation_values

INVITATION_SALT = "community.membership-invitation"

logger = logging.getLogger(__name__)


def _send_on_commit(signal, **kwargs) -> None:
    """Send ``signal`` once the caller's transaction commits; a failing receiver is logged (the
    secretariat hears of it) and never undoes what is already committed and emailed."""

    def send():
        for receiver, response in signal.send_robust(sender=Member, **kwargs):
            if isinstance(response, Exception):
                logger.error("receiver %s failed", getattr(receiver, "__qualname__", receiver), exc_info=response)

    transaction.on_commit(send)


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


@transaction.atomic
def organisations_confirm(*, organisations, by: User | None = None) -> int:
    """Make proposed (or former) organisations members; confirmed ones are left as they are."""
    changing = list(
        Organisation.objects.select_for_update()
        .filter(pk__in=[o.pk for o in organisations])
        .filter(status__in=[OrganisationStatus.PROPOSED, OrganisationStatus.FORMER])
    )
    return _organisations_set_status(changing, OrganisationStatus.MEMBER, CommunityAction.ORGANISATION_CONFIRMED, by)


@transaction.atomic
def organisations_make_former(*, organisations, by: User | None = None) -> int:
    """Mark member organisations as former members (their members and history stay)."""
    changing = list(
        Organisation.objects.select_for_update().filter(pk__in=[o.pk for o in organisations]).confirmed()
    )
    return _organisations_set_status(changing, OrganisationStatus.FORMER, CommunityAction.ORGANISATION_MADE_FORMER, by)


def _organisations_set_status(organisations, status, action, by) -> int:
    Organisation.objects.filter(pk__in=[o.pk for o in organisations]).update(status=status)
    for organisation in organisations:
        audit.record(by, action, organisation, before={"status": organisation.status}, after={"status": status})
    return len(organisations)


@transaction.atomic
def organisations_merge(*, sources, target: Organisation, by: User | None = None) -> int:
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
    moved = dict(
        Member.objects.filter(organisation_id__in=source_ids).values("organisation_id")
        .annotate(count=Count("pk")).values_list("organisation_id", "count")
    )
    for source in sources:  # recorded first: the entry keeps the merged organisation's name and id
        audit.record(
            by, CommunityAction.ORGANISATION_MERGED, source,
            before={"name": source.name, "country": source.country.code, "status": source.status},
            after={"merged_into": target.pk, "merged_into_name": str(target), "members_moved": moved.get(source.pk, 0)},
        )
    Member.objects.filter(organisation_id__in=source_ids).update(organisation=target)
    MembershipInvitation.objects.filter(organisation_id__in=source_ids).update(organisation=target)
    # Higher apps move their rows (a portrait) while the sources still exist.
    signals.organisations_merged.send(sender=Organisation, target=target, merged=sources)
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
    the invitation's organisation if staff invited them (then ``organisation`` must be None: the
    invitation alone says where they belong)."""
    if invitation is not None and organisation is not None:
        raise ValueError("member_register: an invitation fixes the organisation; pass organisation=None")
    if invitation is None and organisation is None:
        raise ValueError("member_register: an organisation or an invitation is required")
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
            raise InvitationError(InvitationProblem.USED)
    _send_on_commit(signals.member_registered, member=member, invitation=invitation)
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


@transaction.atomic
def member_organisation_change(*, member: Member, organisation: Organisation, by: User | None) -> Member:
    """Staff move a member to another confirmed organisation; higher apps follow in the transaction
    (``member_organisation_changed``)."""
    previous = Organisation.objects.get(pk=Member.objects.values_list("organisation_id", flat=True).get(pk=member.pk))
    if organisation.pk == previous.pk:
        return member
    if organisation.status != OrganisationStatus.MEMBER:
        raise ValidationError({"organisation": _("Move people only into a confirmed member organisation.")})
    member.organisation = organisation
    member.save(update_fields=["organisation"])
    signals.member_organisation_changed.send(sender=Member, member=member, previous=previous, by=by)
    return member


# ------------------------------------------------------------------------------ approval
class SkipReason(models.TextChoices):
    """Why a decision left a member as they were (shown to staff by its label)."""

    ALREADY_APPROVED = "already_approved", _lazy("already approved")
    ALREADY_REJECTED = "already_rejected", _lazy("already rejected")
    ORGANISATION_PROPOSED = (
        "organisation_proposed", _lazy("its organisation awaits confirmation (confirm or merge it first)")
    )


@dataclass
class DecisionResult:
    decided: list[Member]
    skipped: list[tuple[Member, SkipReason]]


def members_approve(*, members, by: User) -> DecisionResult:
    """Approve memberships and email each person. Already approved ones, and members of an
    organisation still awaiting confirmation, are skipped with the reason."""

    def blocked(member):
        if member.organisation.status == OrganisationStatus.PROPOSED:
            return SkipReason.ORGANISATION_PROPOSED
        return None

    result = _decide(members=members, by=by, status=MemberStatus.APPROVED, blocked=blocked)
    if result.decided:
        _send_on_commit(signals.member_approved, members=result.decided, by=by)
    return result


def members_reject(*, members, by: User, reason: str = "") -> DecisionResult:
    """Reject memberships and email each person the reason. Already rejected ones are skipped."""
    result = _decide(members=members, by=by, status=MemberStatus.REJECTED, reason=reason)
    if result.decided:
        _send_on_commit(signals.member_rejected, members=result.decided, by=by, reason=reason)
    return result


_ALREADY = {MemberStatus.APPROVED: SkipReason.ALREADY_APPROVED, MemberStatus.REJECTED: SkipReason.ALREADY_REJECTED}
_AUDIT_ACTION = {MemberStatus.APPROVED: CommunityAction.MEMBER_APPROVED,
                 MemberStatus.REJECTED: CommunityAction.MEMBER_REJECTED}
_DECISION_EMAIL = {MemberStatus.APPROVED: "membership_approved", MemberStatus.REJECTED: "membership_rejected"}


@transaction.atomic
def _decide(*, members, by: User, status: str, reason: str = "", blocked=lambda member: None) -> DecisionResult:
    result = DecisionResult(decided=[], skipped=[])
    now = timezone.now()
    for member in _lock(members):
        why_not = _ALREADY[status] if member.status == status else blocked(member)
        if why_not:
            result.skipped.append((member, why_not))
            continue
        audit.record(by, _AUDIT_ACTION[status], member, before={"status": member.status}, after={"status": status},
                     reason=reason)
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


@transaction.atomic
def organisations_confirm_and_approve_members(*, organisations, by: User) -> tuple[int, DecisionResult]:
    """Confirm proposed ``organisations`` and approve the members waiting in them, in one go (a
    member of a proposed organisation cannot be approved before it is confirmed). Returns the number
    of organisations confirmed and the approval's result; former organisations are left alone."""
    # Only proposed ones: re-admitting a former member is a decision of its own (the "Confirm" action).
    proposed = [o for o in organisations if o.status == OrganisationStatus.PROPOSED]
    confirmed = organisations_confirm(organisations=proposed, by=by)
    waiting = Member.objects.filter(
        organisation_id__in=[o.pk for o in proposed],
        organisation__status=OrganisationStatus.MEMBER,
        status=MemberStatus.PENDING,
    )
    return confirmed, members_approve(members=list(waiting), by=by)


# ------------------------------------------------------------------------------ editions
edition_copied = signals.edition_copied  # its former home; import it from community.signals


@transaction.atomic
def edition_copy(*, source: Edition, year: int | None = None, by: User | None = None) -> Edition:
    """Start a new edition (a draft) as a copy of ``source``: next year unless told otherwise."""
    year = year or source.year + 1
    if Edition.objects.filter(year=year).exists():
        raise ValidationError(_("There is already an edition for %(year)s.") % {"year": year})
    # Every language's theme and description, not only the one active while staff click.
    edition = Edition(year=year, status=EditionStatus.DRAFT, **translation_values(source))
    edition.full_clean()
    edition.save()
    audit.record(by, CommunityAction.EDITION_COPIED, edition, before={"source": source.year},
                 after={"year": edition.year, "status": edition.status})
    signals.edition_copied.send(sender=Edition, source=source, edition=edition)
    return edition


# ------------------------------------------------------------------------------ invitations
class InvitationProblem(StrEnum):
    """Why an invitation link cannot be used (the page says it in words)."""

    INVALID = "invalid"
    EXPIRED = "expired"
    REPLACED = "replaced"  # sent again since: only the newest link works
    USED = "used"


class InvitationError(Exception):
    """A membership invitation link that cannot be used, with the reason to show."""

    def __init__(self, reason: InvitationProblem):
        self.reason = InvitationProblem(reason)
        super().__init__(self.reason)


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
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        # Another staff member's invitation of this address committed after the checks above.
        membership_invitation_validate(email=email, organisation=organisation)
        raise
    audit.record(by, CommunityAction.INVITATION_CREATED, invitation,
                 after={"email": email, "organisation": organisation.pk, "organisation_name": organisation.name,
                        "language": language})
    _mail_invitation(invitation, key=f"membership-invitation:{invitation.pk}")
    return invitation


@transaction.atomic
def membership_invitations_resend(*, invitations, by: User | None = None) -> int:
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
        audit.record(by, CommunityAction.INVITATION_RESENT, invitation, after={"sent_at": now})
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
        raise InvitationError(InvitationProblem.EXPIRED) from None
    except signing.BadSignature:
        raise InvitationError(InvitationProblem.INVALID) from None
    invitation = (
        MembershipInvitation.objects.select_related("organisation").filter(pk=payload.get("invitation")).first()
    )
    if invitation is None:
        raise InvitationError(InvitationProblem.INVALID)
    if invitation.is_used:
        raise InvitationError(InvitationProblem.USED)
    if payload.get("v", 1) != invitation.link_version:
        raise InvitationError(InvitationProblem.REPLACED)
    return invitation


def membership_invitation_lock(invitation: MembershipInvitation) -> MembershipInvitation:
    """Lock the invitation's row until the sign-up's transaction ends, so that two sign-ups on one
    link at the same moment queue up: the second then finds it used (InvitationError "used")
    instead of failing on the account's unique address. Call it inside a transaction, first."""
    locked = MembershipInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None:
        raise InvitationError(InvitationProblem.INVALID)
    if locked.is_used:
        raise InvitationError(InvitationProblem.USED)
    return locked
