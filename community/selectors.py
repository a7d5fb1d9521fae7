"""Reads that span relations, for pages."""

from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress, EmailConfirmation
from django.core import signing

from .models import Member


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
