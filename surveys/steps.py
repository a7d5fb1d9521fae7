"""The portrait's step on the member's dashboard (community.steps registry)."""

from collections import defaultdict

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.steps import Step, StepState, StepStatus

from .models import Answer, AnswerChoice, Portrait, PortraitStatus, Question, Survey
from .selectors import survey_questions, visible_question_ids


class PortraitStep(Step):
    key = "surveys.portrait"
    order = 100
    title = _("Metropolitan Portrait")
    description = _("Fill in your organisation's portrait with your colleagues.")
    depends_on = (Survey, Question, Portrait, Answer)

    def for_members(self, members, edition):
        """Three queries whatever the number of members: the survey, the portraits and the choices that
        show or hide questions in them (the questions are the cached ones the portrait's pages read)."""
        members = [m for m in members if m.is_approved]
        if edition is None or not members:
            return {}
        survey = Survey.objects.filter(edition=edition).first()
        if survey is None:
            return {}
        portraits = {
            p.organisation_id: p
            for p in Portrait.objects.filter(survey=survey, organisation__in={m.organisation_id for m in members})
            .select_related("survey").annotate(answered=Count("answers", filter=Q(answers__is_answered=True)))
        }
        totals = self._question_totals(survey, [p for p in portraits.values() if p.answered])
        now = timezone.now()
        url = reverse("surveys:portrait", args=[survey.pk])
        return {member.pk: self._state(survey, portrait, totals.get(portrait.pk if portrait else None), now, url)
                for member in members for portrait in [portraits.get(member.organisation_id)]}

    @staticmethod
    def _question_totals(survey, portraits) -> dict[int, int]:
        """{portrait id: questions it shows}, as its own pages count them: a question whose condition
        its answers do not meet is not one of them."""
        if not portraits:
            return {}
        questions = survey_questions(survey)
        conditions = {q.show_if_question_id for q in questions if q.show_if_question_id}
        picks = defaultdict(lambda: defaultdict(list))
        if conditions:
            for portrait_id, question_id, choice_id in AnswerChoice.objects.filter(
                    answer__portrait__in=portraits, answer__question_id__in=conditions).values_list(
                    "answer__portrait_id", "answer__question_id", "choice_id"):
                picks[portrait_id][question_id].append(choice_id)
        return {p.pk: len(visible_question_ids(questions, picks[p.pk])) for p in portraits}

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
