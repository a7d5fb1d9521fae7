"""The portrait's step on the member's dashboard (community.steps registry)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.steps import Step, StepState, StepStatus

from .models import Answer, Portrait, PortraitStatus, Question, Survey


class PortraitStep(Step):
    key = "surveys.portrait"
    order = 100
    title = _("Metropolitan Portrait")
    description = _("Fill in your organisation's portrait with your colleagues.")
    depends_on = (Survey, Question, Portrait, Answer)

    def for_members(self, members, edition):
        """Three queries whatever the number of members: the survey, its question count, the portraits."""
        members = [m for m in members if m.is_approved]
        if edition is None or not members:
            return {}
        survey = Survey.objects.filter(edition=edition).first()
        if survey is None:
            return {}
        total = Question.objects.filter(section__survey=survey).count()
        portraits = {
            p.organisation_id: p
            for p in Portrait.objects.filter(survey=survey, organisation__in={m.organisation_id for m in members})
            .select_related("survey").annotate(answered=Count("answers", filter=Q(answers__is_answered=True)))
        }
        now = timezone.now()
        url = reverse("surveys:portrait", args=[survey.pk])
        return {member.pk: self._state(survey, portraits.get(member.organisation_id), total, now, url)
                for member in members}

    def _state(self, survey, portrait, total, now, url):
        if now < survey.opens_at:
            # The dashboard words each date by the step's status ("Opens 11 June at 00:00").
            return StepState(StepStatus.LOCKED, date=survey.opens_at, url=url)
        closes_at = portrait.closes_at if portrait else survey.closes_at
        is_open = now < closes_at
        if portrait and portrait.status == PortraitStatus.SUBMITTED:
            return StepState(StepStatus.DONE, date=portrait.submitted_at, url=url,
                             detail=_("Submitted. You can still edit it until it closes.") if is_open
                             else _("Submitted."), changes_at=closes_at)
        if not is_open:
            return StepState(StepStatus.CLOSED, date=closes_at, url=url,
                             detail=_("The survey closed before your portrait was submitted."))
        if portrait is None or not portrait.answered:
            return StepState(StepStatus.NOT_STARTED, date=closes_at, url=url)
        detail = ngettext("Draft: %(answered)d of %(total)d question answered.",
                          "Draft: %(answered)d of %(total)d questions answered.",
                          total) % {"answered": portrait.answered, "total": total}
        return StepState(StepStatus.IN_PROGRESS, date=closes_at, url=url, detail=detail)
