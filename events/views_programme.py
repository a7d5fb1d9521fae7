"""The member's programme page of City Managers Days: the sessions and site visits in the member's
language and in the venue's local time (the event's time zone: a programme of days in Barcelona read
in Montréal time started at 03:30); a confirmed participant picks and unpicks site visits there
(POST). The rules are in ``events.programme``."""


from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from community import timezones

from . import programme
from .models import EventKind, Session, SessionKind
from .views import EventMixin


class ProgrammeView(EventMixin, View):
    template_name = "events/days/programme/programme.html"

    def get_event(self, event_id):
        event = super().get_event(event_id)
        if event.kind != EventKind.IN_PERSON:
            raise Http404
        return event

    def page(self, request, event, *, status=200, refused=""):
        zone = timezones.zone(event.time_zone, timezone.get_current_timezone())
        with timezone.override(zone):
            return self._page(request, event, status=status, refused=refused).render()

    def _page(self, request, event, *, status, refused):
        application = programme.participant_application(event, request.member)
        sessions = list(programme.sessions_with_places(event))
        for session in sessions:
            session.places_left = programme.places_left(session)
        return TemplateResponse(request, self.template_name, {
            "event": event, "days": programme.programme_days(sessions), "participant": application,
            "picked": programme.picked_ids(application), "refused": refused,
            "has_site_visits": any(s.kind == SessionKind.SITE_VISIT for s in sessions),
        }, status=status)

    def get(self, request, event_id):
        return self.page(request, self.get_event(event_id))

    def post(self, request, event_id):
        event = self.get_event(event_id)
        raw = request.POST.get("session", "")
        session = get_object_or_404(Session, event=event, pk=int(raw)) if raw.isascii() and raw.isdigit() \
            and len(raw) < 10 else None
        action = request.POST.get("action", "")
        if session is None or action not in ("pick", "unpick"):
            messages.error(request, _("Choose a site visit to pick or unpick."))
            return redirect("events:programme", event_id=event.pk)
        application = programme.participant_application(event, request.member)
        if application is None:
            return self.page(request, event, status=403, refused=_(
                "Only confirmed participants can pick site visits. Once you are selected and have confirmed "
                "your place, come back to this page."))
        try:
            if action == "pick":
                programme.site_visit_pick(application, session, request.member)
                messages.success(request, _("You are going on “%(visit)s”.") % {"visit": session.title})
            else:
                programme.site_visit_unpick(application, session, request.member)
                messages.success(request, _("Your place on “%(visit)s” is given back.") % {"visit": session.title})
        except PermissionDenied as error:
            return self.page(request, event, status=403, refused=str(error))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("events:programme", event_id=event.pk)
