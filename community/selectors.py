"""Reads that span relations, for pages."""

from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress, EmailConfirmation
from django.core import signing
from django.db.models import Count, Q
from django.utils.text import smart_split, unescape_string_literal

from portal.lookups import InArray

from .models import Member, MemberStatus, Organisation, OrganisationStatus, User
from .timezones import reading_key


def organisation_members(*, organisation):
    """The approved members of an organisation, for its page."""
    return (
        Member.objects.approved()
        .filter(organisation=organisation)
        .select_related("user")
        .only("job_title", "user__first_name", "user__last_name", "user__email")  # what the page shows
        .order_by("user__last_name", "user__first_name")
    )


def member_organisations():
    """The confirmed member organisations, in reading order, each with its number of approved members
    (``approved_members``): the members' list of member cities. One query."""
    organisations = Organisation.objects.confirmed().annotate(
        approved_members=Count("members", filter=Q(members__status=MemberStatus.APPROVED))
    )
    return sorted(organisations, key=lambda organisation: reading_key(organisation.name))


def organisation_visible_to(*, organisation, member, user) -> bool:
    """Who sees an organisation's page (its public details and its approved members' names and job
    titles, never their addresses): approved members for any confirmed member organisation and their
    own, staff whose role lets them see members (a reviewer's does not)."""
    if member is not None and member.is_approved:
        return member.organisation_id == organisation.pk or organisation.status == OrganisationStatus.MEMBER
    return user.has_perm("community.view_member")


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
def members_matching(*, queryset, search: str):
    """Members of `queryset` matching every word of `search` (quoted phrases kept whole) in their
    email, names, organisation's name or job title, case-insensitively.

    One subquery per table instead of Django's OR across the joins, each written for an index scan
    (``InArray``): PostgreSQL reads each table through its trigram index (migration 0012) and the
    members through their own indexes, instead of checking 20,000 members one by one."""
    for word in smart_split(search):
        if word[0] in "\"'" and word[0] == word[-1] and len(word) > 1:
            word = unescape_string_literal(word)
        people = User.objects.filter(
            Q(email__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
        ).values("pk")
        organisations = Organisation.objects.filter(name__icontains=word).values("pk")
        queryset = queryset.filter(
            Q(InArray("user_id", people)) | Q(InArray("organisation_id", organisations))
            | Q(job_title__icontains=word)
        )
    return queryset
