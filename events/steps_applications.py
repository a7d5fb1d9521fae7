"""City Managers Days' step on the member's dashboard (community.steps registry): locked with how to
become eligible, open, applied (draft or submitted), the decision *as sent* (never a draft
decision), the deadline to confirm, confirmed, closed."""


from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from community import timezones
from community.steps import Step, StepState, StepStatus
from surveys.models import Portrait, Respondent

from . import days, services
from .applications import eligibility_how
from .models import (
    Application,
    ApplicationStatus,
    Confirmation,
    Decision,
    EligibilityException,
    Event,
    EventKind,
    Invitation,
)


class DaysStep(Step):
    key = "events.days"
    order = 210
    title = _("City Managers Days")
    description = _("Apply to meet the other city managers in person; places are limited.")
    # Eligibility reads the portraits' respondents, the webinar's attendance and the exceptions.
    depends_on = (Event, Application, Invitation, EligibilityException, Portrait, Respondent)

    def for_members(self, members, edition):
        """Three queries whatever the number of members: the event, who is eligible, the applications."""
        members = [m for m in members if m.is_approved]
        if edition is None or not members:
            return {}
        event = Event.objects.filter(edition=edition, kind=EventKind.IN_PERSON).order_by("starts_at").first()
        if event is None:
            return {}
        eligible = services.eligible_ids(members, event)
        applications = {a.member_id: a for a in Application.objects.filter(
            event=event, member_id__in=[m.pk for m in members])}
        now = timezone.now()
        url = reverse("events:application", args=[event.pk])
        return {member.pk: self._state(event, member.pk in eligible, applications.get(member.pk), now, url,
                                       timezones.zone(member.time_zone))
                for member in members}

    def _state(self, event, eligible, application, now, url, zone):
        if application is not None and application.decision_sent != Decision.PENDING:
            return self._decision(application, now, url, zone)
        is_open = days.applications_open(event, now)
        closes_at = event.applications_close_at
        if not eligible:
            if closes_at is not None and not is_open:
                return StepState(StepStatus.CLOSED, date=closes_at, detail=_("Applications are closed."))
            return StepState(StepStatus.LOCKED, detail=eligibility_how(event), changes_at=closes_at)
        if closes_at is None:
            return StepState(StepStatus.LOCKED, detail=_("Applications are not open yet: we will tell you."))
        status = application.status if application else None
        if status == ApplicationStatus.SUBMITTED:
            return StepState(StepStatus.DONE, date=application.submitted_at, url=url,
                             detail=_("Applied. You can change your application until %(deadline)s.")
                             % {"deadline": _when(closes_at, zone)} if is_open
                             else _("Applied. The secretariat is selecting the participants."), changes_at=closes_at)
        if not is_open:
            return StepState(StepStatus.CLOSED, date=closes_at, url=url if application else "",
                             detail=_("Your draft was not submitted before the deadline.")
                             if status == ApplicationStatus.DRAFT else _("Applications are closed."))
        if status == ApplicationStatus.DRAFT:
            return StepState(StepStatus.IN_PROGRESS, date=closes_at, url=url,
                             detail=_("Draft saved: submit it before the deadline."))
        if status == ApplicationStatus.WITHDRAWN:
            return StepState(StepStatus.NOT_STARTED, date=closes_at, url=url,
                             detail=_("You withdrew your application. You can apply again until the deadline."))
        return StepState(StepStatus.NOT_STARTED, date=closes_at, url=url,
                         detail=_("You can apply: tell us why you want to come and what you need."))

    def _decision(self, application, now, url, zone):
        sent = application.decision_sent
        if sent == Decision.WAITLISTED:
            return StepState(StepStatus.IN_PROGRESS, url=url,
                             detail=_("You are on the waiting list: we will email you if a place is freed."))
        if sent == Decision.NOT_SELECTED:
            return StepState(StepStatus.CLOSED, url=url, detail=_("You were not selected this year."))
        confirmation = application.confirmation
        if confirmation == Confirmation.CONFIRMED:
            return StepState(StepStatus.DONE, date=application.confirmed_at, url=url,
                             detail=_("Your place is confirmed. See you there!"))
        if confirmation == Confirmation.DECLINED:
            return StepState(StepStatus.CLOSED, url=url, detail=_("You gave your place back."))
        if confirmation == Confirmation.EXPIRED or (application.confirm_by and now >= application.confirm_by):
            return StepState(StepStatus.CLOSED, date=application.confirm_by, url=url,
                             detail=_("Your place was released: it was not confirmed in time."))
        # The deadline is in the words (the date line would read "Open until"): in the member's zone.
        return StepState(StepStatus.IN_PROGRESS, url=url,
                         detail=_("You are selected! Confirm your place by %(deadline)s.")
                         % {"deadline": _when(application.confirm_by, zone)}, changes_at=application.confirm_by)


def _when(moment, zone) -> str:
    """A deadline in the member's zone, named, in the page's language."""
    local = timezone.localtime(moment, zone)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})"


