"""What the survey app does when community's records change (community.signals), and what the cached
reads forget when the survey's rows change (surveys.caching)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from community.models import Organisation
from community.signals import demo_seeded, edition_copied, organisations_merged

from . import caching, services
from .models import Choice, Portrait, Question, Section, Survey


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


# ------------------------------------------------------------------------------ cached reads (surveys.caching)
@receiver([post_save, post_delete], sender=Survey)
@receiver([post_save, post_delete], sender=Section)
@receiver([post_save, post_delete], sender=Question)
@receiver([post_save, post_delete], sender=Choice)
@receiver(m2m_changed, sender=Question.show_if_choices.through)
def survey_structure_changed(sender, **kwargs):
    caching.structure_changed()


@receiver([post_save, post_delete], sender=Portrait)
def portrait_changed(sender, instance, **kwargs):
    # Submitted, reopened, moved to another organisation, deleted: the peers' data of its survey.
    caching.forget_peers(instance.survey_id)


@receiver(post_save, sender=Organisation)
def organisation_changed(sender, instance, created, **kwargs):
    # Its name is in the peers' data of the surveys it answered.
    if not created:
        caching.forget_peers(*Portrait.objects.filter(organisation=instance).values_list("survey_id", flat=True))
