"""Reads that span relations, for pages."""

from .models import Member


def organisation_members(*, organisation):
    """The approved members of an organisation, for its page."""
    return (
        Member.objects.approved()
        .filter(organisation=organisation)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
