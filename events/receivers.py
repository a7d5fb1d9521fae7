"""What the events app does when community's or surveys' records change (their signals)."""

from django.db import transaction
from django.dispatch import receiver

from community.signals import demo_seeded, edition_copied, member_rejected
from surveys.signals import portrait_reopened, portrait_submitted, respondent_added

from . import services


@receiver(portrait_submitted)
def invite_respondents(sender, portrait, member, **kwargs):
    with transaction.atomic():
        services.invitations_for_portrait(portrait=portrait)


@receiver(respondent_added)
def invite_new_respondent(sender, portrait, member, **kwargs):
    """A colleague who joins a portrait already submitted is invited too (the eligibility rule reads
    the portrait's status from the database: a draft invites nobody)."""
    with transaction.atomic():
        services.invitations_for_portrait(portrait=portrait, members=[member.pk])


@receiver(portrait_reopened)
def revoke_after_reopening(sender, portrait, by=None, **kwargs):
    with transaction.atomic():
        services.portrait_reopened(portrait=portrait)


@receiver(member_rejected)
def revoke_rejected_members(sender, members, **kwargs):
    with transaction.atomic():
        services.invitations_revoke_stale(members=members)


@receiver(edition_copied)
def copy_events_with_edition(sender, source, edition, **kwargs):
    services.events_copy(source=source, edition=edition)


@receiver(demo_seeded)
def seed_demo_events(sender, edition, staff, **kwargs):
    from .demo import seed_demo_webinar

    seed_demo_webinar(edition=edition, staff=staff)

    from .demo_days import seed_demo_days  # City Managers Days: applications, reviews, selection, programme

    seed_demo_days(edition=edition, staff=staff)
