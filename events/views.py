"""The invitee's pages: the event page (details in the member's zone, the RSVP and its change, the
calendar file, the join link after a yes), the RSVP confirmation page an email link opens, and the
page a member who is not eligible sees instead. Every page asks the gate (services) each time."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import View

from community.mixins import ApprovedMemberRequiredMixin
from community.models import EditionStatus
from surveys.models import Survey

from . import services
from .models import Event, Rsvp

ANSWERS = {Rsvp.YES.value, Rsvp.NO.value}


def not_eligible_page(request, event):
    """Why the member cannot come, and how to become eligible: submit the portrait (linked)."""
    survey = Survey.objects.filter(edition_id=event.edition_id).only("pk").first()
    return TemplateResponse(request, "events/not_eligible.html", {"event": event, "survey": survey}, status=403)


def days_application_page(event):
    """The in-person days take applications and selections, not a yes or no: their page is the
    application's (which says who may apply)."""
    return redirect("events:application", event_id=event.pk)


class EventMixin(ApprovedMemberRequiredMixin):
    def get_event(self, event_id):
        return get_object_or_404(
            Event.objects.select_related("edition").exclude(edition__status=EditionStatus.DRAFT), pk=event_id)


class EventView(EventMixin, View):
    def get(self, request, event_id):
        event = self.get_event(event_id)
        if not event.is_webinar:
            return days_application_page(event)
        eligible, invitation = services.gate_and_invitation(event=event, member=request.member)
        if not eligible:
            return not_eligible_page(request, event)
        return TemplateResponse(request, "events/event.html", {
            "event": event, "invitation": invitation, "ended": event.has_ended(),
            "show_join_link": bool(invitation and invitation.rsvp == Rsvp.YES and event.join_url),
        })

    def post(self, request, event_id):
        """The answer from the event page itself (no token: the signed-in member's own invitation)."""
        event = self.get_event(event_id)
        if not event.is_webinar:
            return days_application_page(event)
        answer = request.POST.get("answer", "")
        # None for a member the gate does not let in: _respond shows them why.
        invitation = services.invitation_get_or_issue(event=event, member=request.member)
        return _respond(request, event, invitation, answer)


def _respond(request, event, invitation, answer):
    if invitation is None:
        return not_eligible_page(request, event)
    try:
        services.invitation_respond(invitation=invitation, member=request.member, answer=answer)
    except PermissionDenied:
        return not_eligible_page(request, event)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("events:event", event_id=event.pk)
    if answer == Rsvp.YES:
        messages.success(request, _("Thank you: you are registered. The join link is below."))
    else:
        messages.success(request, _("Your answer is saved: you are not coming. You can change it here."))
    return redirect("events:event", event_id=event.pk)


class CalendarView(EventMixin, View):
    def get(self, request, event_id):
        event = self.get_event(event_id)
        if not event.is_webinar:
            return days_application_page(event)
        if services.usable_invitation(event=event, member=request.member) is None:
            return not_eligible_page(request, event)
        response = HttpResponse(services.calendar_file(event, language=request.member.preferred_language),
                                content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{services.calendar_filename(event)}"'
        return response


class RsvpView(ApprovedMemberRequiredMixin, View):
    """An email's RSVP link opens a confirmation page; only its form's POST answers, so a mail
    scanner that follows the link answers nothing."""

    def load(self, request, token):
        try:
            return services.invitation_from_token(token, member=request.member), None
        except services.TokenError as error:
            return None, TemplateResponse(request, "events/rsvp_invalid.html", {"reason": error.reason}, status=400
                                          if error.reason == "invalid" else 403 if error.reason == "other_member"
                                          else 410)

    def get(self, request, token):
        invitation, problem = self.load(request, token)
        if problem:
            return problem
        event = invitation.event
        if not event.is_webinar:
            return days_application_page(event)
        if services.usable_invitation(event=event, member=request.member) is None:
            return not_eligible_page(request, event)
        answer = request.GET.get("answer", "")
        return TemplateResponse(request, "events/rsvp_confirm.html", {
            "event": event, "invitation": invitation, "answer": answer if answer in ANSWERS else "",
            "token": token})

    def post(self, request, token):
        invitation, problem = self.load(request, token)
        if problem:
            return problem
        if not invitation.event.is_webinar:
            return days_application_page(invitation.event)
        return _respond(request, invitation.event, invitation, request.POST.get("answer", ""))
