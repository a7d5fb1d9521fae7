"""What the survey app does when community's records change (community.signals)."""

from django.dispatch import receiver

from community.signals import demo_seeded, edition_copied, organisations_merged

from . import services
from .models import Survey


@receiver(edition_copied)
def copy_survey_with_edition(sender, source, edition, **kwargs):
    survey = Survey.objects.filter(edition=source).first()
    if survey is not None:
        services.survey_copy(source=survey, edition=edition)


@receiver(organisations_merged)
def move_portraits_of_merged_organisations(sender, target, merged, **kwargs):
    services.portraits_merge(target=target, merged=merged)


@receiver(demo_seeded)
def seed_demo_survey(sender, edition, staff, **kwargs):
    from .demo import seed_demo_survey

    seed_demo_survey(edition=edition, staff=staff)
