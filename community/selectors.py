"""Reads that span relations, for pages."""

from dataclasses import dataclass

from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress, EmailConfirmation
from django.core import signing
from django.utils.translation import gettext_lazy as _

from .models import Edition, Member


@dataclass(frozen=True)
class NextStep:
    title: str
    description: str
    done: bool = False


def member_next_steps(*, member: Member, edition: Edition | None) -> list[NextStep]:
    """What a member has to do this year, in the order of the edition's cycle.

    The survey, webinar and City Managers Days steps are filled in by their apps as they arrive.
    """
    steps = [
        NextStep(
            title=_("Join the community"),
            description=_("Your membership has been approved."),
            done=member.is_approved,
        ),
        NextStep(
            title=_("Complete your profile"),
            description=_("Your job title, language and time zone tell us how to reach you."),
            done=bool(member.job_title and member.user.first_name),
        ),
    ]
    if edition is None:
        return steps
    steps += [
        NextStep(
            title=_("Fill in the Metropolitan Portrait"),
            description=_("With your colleagues, answer the survey that identifies this year's peers and topics."),
        ),
        NextStep(
            title=_("Join the webinar"),
            description=_("Open to the respondents of a submitted portrait."),
        ),
        NextStep(
            title=_("Apply for the City Managers Days"),
            description=_("Members who engaged earlier in the year can apply to meet in person."),
        ),
    ]
    return steps


def organisation_members(*, organisation):
    """The approved members of an organisation, for its page."""
    return (
        Member.objects.approved()
        .filter(organisation=organisation)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


def email_confirmation_already_used(key: str) -> bool:
    """Whether an allauth confirmation link that no longer works is one whose address is verified.

    allauth answers "expired or invalid" to a second click on a link that worked; this tells the two apart.
    """
    try:
        # The signed links allauth sends by default (EmailConfirmationHMAC), without their age limit.
        pk = signing.loads(key, salt=account_settings.SALT)
    except signing.BadSignature:
        return EmailConfirmation.objects.filter(key=key.lower(), email_address__verified=True).exists()
    return EmailAddress.objects.filter(pk=pk, verified=True).exists()
