"""Staff pages of City Managers Days for the programme's side: the lists of the confirmed participants
(CSV/XLSX exports, printable badges, site-visit lists, dietary and accessibility needs) and the
funnel of the edition. Thin: the rows come from exports_days, the numbers from funnel, the site
visits from programme."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from community.models import Edition
from community.staff import StaffPage, StaffPermissionRequiredMixin, staff_pages
from portal.exports import FORMATS, export_response

from . import exports_days, funnel, programme
from .models import Event, EventKind

PERMISSION = "events.view_application"
BADGES_PER_SHEET = 12  # an A4 sheet: 3 columns of 4 badges (static/css/badges.css)
PEOPLE_PAGE_SIZE = 100


class DaysStaffPage(StaffPermissionRequiredMixin):
    permission_required = PERMISSION

    def get_event(self):
        return get_object_or_404(Event.objects.select_related("edition").filter(kind=EventKind.IN_PERSON),
                                 pk=self.kwargs["event_id"])


def current_days_event():
    edition = Edition.objects.current()
    events = Event.objects.filter(kind=EventKind.IN_PERSON).order_by("-starts_at")
    return (events.filter(edition=edition).first() if edition else None) or events.first()


class CurrentDaysRedirectView(DaysStaffPage, View):
    """The staff menu links here: the lists of the current edition's City Managers Days."""

    def get(self, request):
        event = current_days_event()
        if event is None:
            return render(request, "events/days/staff/no_event.html")
        return HttpResponseRedirect(reverse("events:staff_days_lists", args=[event.pk]))


class ListsView(DaysStaffPage, TemplateView):
    template_name = "events/days/staff/lists.html"

    def get_context_data(self, **kwargs):
        event = self.get_event()
        return super().get_context_data(
            event=event, participant_count=exports_days.participants(event).count(),
            needs_count=exports_days.with_needs(event).count(),
            events=Event.objects.filter(kind=EventKind.IN_PERSON).select_related("edition").order_by("-starts_at"),
            **kwargs)


class BadgesView(DaysStaffPage, TemplateView):
    """A printable page of badges, 12 to an A4 sheet (print CSS in a static file: the site's CSP
    refuses inline styles)."""

    template_name = "events/days/staff/badges.html"

    def get_context_data(self, **kwargs):
        event = self.get_event()
        people = list(exports_days.participants(event).select_related("member__user", "member__organisation")
                      .order_by("member__user__last_name", "member__user__first_name", "pk"))
        sheets = [people[i:i + BADGES_PER_SHEET] for i in range(0, len(people), BADGES_PER_SHEET)]
        return super().get_context_data(event=event, sheets=sheets, count=len(people), **kwargs)


class SiteVisitsView(DaysStaffPage, TemplateView):
    template_name = "events/days/staff/site_visits.html"

    def get_context_data(self, **kwargs):
        event = self.get_event()
        return super().get_context_data(event=event, visits=programme.picks_by_visit(event), **kwargs)


class NeedsView(DaysStaffPage, TemplateView):
    template_name = "events/days/staff/needs.html"

    def get_context_data(self, **kwargs):
        event = self.get_event()
        people = (exports_days.with_needs(event).select_related("member__user", "member__organisation")
                  .order_by("member__user__last_name", "member__user__first_name", "pk"))
        return super().get_context_data(event=event, people=people, **kwargs)


class ExportView(DaysStaffPage, View):
    def get(self, request, event_id, name):
        if name not in exports_days.EXPORTS:
            raise Http404
        event = self.get_event()
        fmt = request.GET.get("format", "csv")
        if fmt not in FORMATS:
            fmt = "csv"
        filename = f"{name}-{event.edition.year}-{timezone.localdate():%Y-%m-%d}.{fmt}"
        return export_response(fmt, filename=filename, csv=lambda: exports_days.export_csv(name, event),
                               xlsx=lambda: exports_days.export_xlsx(name, event))


# ------------------------------------------------------------------------------ the funnel
class FunnelView(StaffPermissionRequiredMixin, TemplateView):
    permission_required = PERMISSION
    template_name = "events/days/staff/funnel.html"

    def get_edition(self):
        if "edition_id" in self.kwargs:
            return get_object_or_404(Edition, pk=self.kwargs["edition_id"])
        return Edition.objects.current()

    def get_context_data(self, **kwargs):
        edition = self.get_edition()
        if edition is None:
            raise Http404
        steps = funnel.funnel_counts(edition)
        first = steps[0][1] or 1
        rows = [{"step": step, "count": count, "percent": round(100 * count / first)} for step, count in steps]
        kwargs.pop("edition_id", None)
        return super().get_context_data(edition=edition, rows=rows, editions=Edition.objects.order_by("-year"),
                                        **kwargs)


class FunnelPeopleView(StaffPermissionRequiredMixin, TemplateView):
    """The members behind one number of the funnel (emails: needs the view of members too)."""

    permission_required = (PERMISSION, "community.view_member")
    template_name = "events/days/staff/funnel_people.html"

    def get_context_data(self, **kwargs):
        edition = get_object_or_404(Edition, pk=self.kwargs["edition_id"])
        key = kwargs.pop("step")
        kwargs.pop("edition_id", None)
        if key not in funnel.STEP_KEYS:
            raise Http404
        step = next(step for step in funnel.STEPS if step.key == key)
        page = Paginator(funnel.people(edition, key), PEOPLE_PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(edition=edition, step=step, page=page, **kwargs)


def register_staff_entries() -> None:
    """The lists and the funnel in the staff menu and the admin's index (EventsConfig.ready)."""
    staff_pages.register(StaffPage(
        key="days-lists", title=gettext_lazy("City Managers Days: lists"), url_name="events:staff_days_current",
        permission=PERMISSION,
        description=gettext_lazy("Confirmed participants (CSV/XLSX), badges to print, site-visit lists, dietary "
                                 "and accessibility needs."),
        changelists=("events.event", "events.session"), order=60))
    staff_pages.register(StaffPage(
        key="days-funnel", title=gettext_lazy("Funnel"), url_name="events:staff_funnel", permission=PERMISSION,
        description=gettext_lazy("From approved members to confirmed participants, step by step, with the people "
                                 "behind each number."),
        changelists=("events.event", "community.edition"), order=70))
