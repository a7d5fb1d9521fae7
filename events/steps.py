"""The webinar's step on the member's dashboard (community.steps registry)."""

from dataclasses import replace

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.steps import Step, StepState, StepStatus
from surveys.models import Portrait, Respondent

from . import services
from .models import EligibilityException, Event, EventKind, Invitation, InvitationStatus, Rsvp


class WebinarStep(Step):
    key = "events.webinar"
    order = 200
    title = _("Webinar")
    description = _("Respondents of a submitted portrait are invited to the edition's webinar.")
    # Eligibility reads the respondents of submitted portraits and the exceptions.
    depends_on = (Event, Invitation, EligibilityException, Portrait, Respondent)

    def for_members(self, members, edition):
        """Three queries whatever the number of members: the webinar, who is eligible, the invitations."""
        members = [m for m in members if m.is_approved]
        if edition is None or not members:
            return {}
        event = Event.objects.filter(edition=edition, kind=EventKind.WEBINAR).order_by("starts_at").first()
        if event is None:
            return {}
        eligible = services.eligible_ids(members, event)
        invitations = {i.member_id: i for i in Invitation.objects.filter(
            event=event, member_id__in=list(eligible), status=InvitationStatus.INVITED)} if eligible else {}
        url = reverse("events:event", args=[event.pk])
        ended = event.has_ended(timezone.now())
        states = {}
        for member in members:
            if member.pk not in eligible:
                states[member.pk] = StepState(
                    StepStatus.CLOSED if ended else StepStatus.LOCKED, date=event.starts_at, url=url,
                    detail=_("Submit your organisation's portrait to be invited."))
                continue
            invitation = invitations.get(member.pk)
            rsvp = invitation.rsvp if invitation else Rsvp.NONE
            if ended:
                states[member.pk] = StepState(StepStatus.DONE if rsvp == Rsvp.YES else StepStatus.CLOSED,
                                              date=event.starts_at, detail=_("The webinar took place."))
            elif rsvp == Rsvp.YES:
                states[member.pk] = StepState(StepStatus.DONE, date=event.starts_at, url=url,
                                              detail=_("You are coming: the join link is on the event page."))
            elif rsvp == Rsvp.NO:
                states[member.pk] = StepState(StepStatus.DONE, date=event.starts_at, url=url,
                                              detail=_("You answered that you cannot come. You can change it."))
            else:
                states[member.pk] = StepState(StepStatus.NOT_STARTED, date=event.starts_at, url=url,
                                              detail=_("You are invited: tell us whether you are coming."))
        if not ended:  # each state changes when the webinar ends
            states = {pk: replace(state, changes_at=event.ends_at) for pk, state in states.items()}
        return states
