"""The selection board of City Managers Days (staff pages under /staff/). Thin: the rows come from
``events.board``, every decision, grant and sending from ``events.days``, which lock the budget.

One permission, ``events.select_participants`` (the Secretariat's; reviewers and members get 403).
An htmx request (a row's decision or grant) gets the row back, with the meters out of band; without
htmx each form posts, and the page comes back with a message.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView

from community.models import Region
from community.staff import StaffPermissionRequiredMixin

from . import board, board_html, days
from .models import Application, Decision, Event, EventKind

PERMISSION = "events.select_participants"
DECISIONS = [(Decision.SELECTED, gettext_lazy("Selected")), (Decision.WAITLISTED, gettext_lazy("Waiting list")),
             (Decision.NOT_SELECTED, gettext_lazy("Not selected"))]


class BoardFilterForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), required=False,
                                 choices=[("", gettext_lazy("All decisions")), *Decision.choices])
    region = forms.ChoiceField(label=gettext_lazy("World region"), required=False,
                               choices=[("", gettext_lazy("All regions")), *Region.choices])

    def values(self) -> dict:
        """The valid filters (a wrong value shows its error and is left out)."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if name not in self.errors}


def _ids(raw_values) -> list[int]:
    return [int(raw) for raw in raw_values if raw.isascii() and raw.isdigit() and len(raw) < 10]


class BoardPage(StaffPermissionRequiredMixin):
    permission_required = PERMISSION

    def get_event(self) -> Event:
        return get_object_or_404(Event.objects.select_related("edition"), pk=self.kwargs["event_id"],
                                 kind=EventKind.IN_PERSON)

    def board_url(self, event, query: str = "") -> str:
        url = reverse("events:staff_board", args=[event.pk])
        return f"{url}?{query}" if query else url

    def back(self, event) -> str:
        """The board with the filters and page the form was posted from."""
        post = self.request.POST
        query = {"decision": post.get("filter_decision", ""), "region": post.get("filter_region", ""),
                 "page": post.get("page", "")}
        return self.board_url(event, urlencode({k: v for k, v in query.items() if v and len(v) < 30}))

    def meters_context(self, event, summary=None) -> dict:
        summary = summary or board.board_summary(event)
        return {"event": event, "use": summary.use, "regions": summary.regions, "counts": summary.counts}

    def form_inputs(self, *, filter_decision: str, filter_region: str, page_number) -> str:
        """The hidden inputs of every row's forms, made once a page: the CSRF token, and the filters
        and page to come back to."""
        return format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}"><input type="hidden" name="filter_decision" '
            'value="{}"><input type="hidden" name="filter_region" value="{}"><input type="hidden" name="page" '
            'value="{}">', get_token(self.request), filter_decision, filter_region, page_number)

    def row_response(self, event, pk: int, *, errors=None):
        """The row again (htmx), and the meters, regions and counts out of band."""
        rank = self.request.POST.get("rank", "")
        (row,) = board.board_rows([board.board_row(event, pk)], event, DECISIONS)
        row.rank = rank if rank.isascii() and rank.isdigit() and len(rank) < 7 else ""
        post = self.request.POST
        form_inputs = self.form_inputs(filter_decision=post.get("filter_decision", "")[:30],
                                       filter_region=post.get("filter_region", "")[:30],
                                       page_number=post.get("page", "")[:10])
        row_errors = {("other" if key.startswith("_") else key): value for key, value in (errors or {}).items()}
        context = {"rows": [row], "oob": True, "decisions": DECISIONS,
                   "rows_html": board_html.render_rows([row], texts=board.row_texts(), form_inputs=form_inputs,
                                                       errors=row_errors),
                   **self.meters_context(event)}
        return render(self.request, "events/days/board/_row_update.html", context)


class CurrentBoardRedirectView(BoardPage, View):
    """The staff menu and the admin's index link here: the latest in-person event's board."""

    def get(self, request):
        event = board.current_in_person_event()
        if event is None:
            return render(request, "events/days/board/no_event.html")
        return HttpResponseRedirect(reverse("events:staff_board", args=[event.pk]))


class BoardView(BoardPage, TemplateView):
    template_name = "events/days/board/board.html"

    def get_context_data(self, **kwargs):
        event = self.get_event()
        form = BoardFilterForm(self.request.GET or None)
        filters = form.values() if self.request.GET else {}
        decision, region = filters.get("decision") or "", filters.get("region") or ""
        summary = board.board_summary(event)
        paginator = Paginator(board.board_applications(event, decision=decision, region=region), board.PAGE_SIZE)
        if not region:  # the count is in the summary: no COUNT query
            paginator.count = summary.counts[decision] if decision else summary.counts["all"]
        elif not decision:
            paginator.count = next(row.applied for row in summary.regions if row.region == region)
        page = paginator.get_page(self.request.GET.get("page"))
        query = urlencode({k: v for k, v in (("decision", decision), ("region", region)) if v})
        rows = board.board_rows(board.with_engagement(event, page.object_list.values_list("pk", flat=True)), event,
                                DECISIONS)
        for rank, row in enumerate(rows, start=page.start_index()):
            row.rank = str(rank)
        form_inputs = self.form_inputs(filter_decision=decision, filter_region=region, page_number=page.number)
        return super().get_context_data(
            rows=rows, rows_html=board_html.render_rows(rows, texts=board.row_texts(), form_inputs=form_inputs),
            form_inputs=form_inputs, form=form, page=page, filter_decision=decision, filter_region=region,
            page_number=page.number,
            filter_query=query, decisions=DECISIONS,
            events=Event.objects.filter(kind=EventKind.IN_PERSON).only("pk", "title", "starts_at"),
            **self.meters_context(event, summary), **kwargs)


class DecideView(BoardPage, View):
    """One application's decision (a row's buttons)."""

    def post(self, request, event_id, application_id):
        event = self.get_event()
        application = get_object_or_404(Application, pk=application_id, event=event)
        decision = request.POST.get("decision", "")
        try:
            days.decide(application=application, decision=decision, by=request.user)
        except ValidationError as error:
            if request.htmx:
                return self.row_response(event, application.pk, errors={"decision": error.messages})
            messages.error(request, f"{application.member.full_name}: {' '.join(error.messages)}")
            return HttpResponseRedirect(self.back(event))
        if request.htmx:
            return self.row_response(event, application.pk)
        messages.success(request, _("%(name)s: %(decision)s (draft until the decisions are sent).") % {
            "name": application.member.full_name, "decision": Decision(decision).label})
        return HttpResponseRedirect(self.back(event))


class BulkDecideView(BoardPage, View):
    """The decision for every application ticked, each on its own (one refusal leaves the others)."""

    def post(self, request, event_id):
        event = self.get_event()
        decision = request.POST.get("decision", "")
        ids = _ids(request.POST.getlist("application"))
        if decision not in Decision.values or not ids:
            messages.error(request, _("Tick at least one application and choose a decision."))
            return HttpResponseRedirect(self.back(event))
        applications = list(Application.objects.filter(event=event, pk__in=ids).select_related("member__user")
                            .order_by("pk"))
        decided, refused = days.decide_many(applications=applications, decision=decision, by=request.user)
        if decided:
            messages.success(request, ngettext(
                "%(count)d application decided: %(decision)s (draft until the decisions are sent).",
                "%(count)d applications decided: %(decision)s (drafts until the decisions are sent).", decided)
                % {"count": decided, "decision": Decision(decision).label})
        for application, why in refused:
            messages.error(request, f"{application.member.full_name}: {why}")
        return HttpResponseRedirect(self.back(event))


class GrantView(BoardPage, View):
    """A selected person's benefits: pass, nights and euros, up to what was asked, within the budget."""

    def post(self, request, event_id, application_id):
        event = self.get_event()
        application = get_object_or_404(Application.objects.select_related("member__user"), pk=application_id,
                                         event=event)
        try:
            days.grant(application=application, expo_pass=request.POST.get("expo_pass") == "on",
                       nights=request.POST.get("nights", "0")[:20], euros=request.POST.get("euros", "0")[:40],
                       by=request.user)
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
            if request.htmx:
                return self.row_response(event, application.pk, errors=errors)
            for messages_of_field in errors.values():
                messages.error(request, f"{application.member.full_name}: {' '.join(messages_of_field)}")
            return HttpResponseRedirect(self.back(event))
        if request.htmx:
            return self.row_response(event, application.pk)
        messages.success(request, _("%(name)s: benefits granted.") % {"name": application.member.full_name})
        return HttpResponseRedirect(self.back(event))


class SendDecisionsView(BoardPage, TemplateView):
    """GET: what will be emailed (how many of each decision); POST: send them, once each."""

    template_name = "events/days/board/send_confirm.html"

    def get_context_data(self, **kwargs):
        event = self.get_event()
        return super().get_context_data(event=event, counts=board.decision_counts(event), decisions=DECISIONS,
                                        **kwargs)

    def post(self, request, event_id):
        event = self.get_event()
        sent = days.decisions_send(event=event, by=request.user)
        if sent:
            messages.success(request, ngettext("%(count)d decision emailed.", "%(count)d decisions emailed.", sent)
                             % {"count": sent})
        else:
            messages.info(request, _("No decision was waiting to be sent: nothing was emailed."))
        return HttpResponseRedirect(self.board_url(event))


def register_staff_page() -> None:
    """The "Selection board" staff page (EventsConfig.ready): admin index, staff menu, and the
    applications' and events' changelists."""
    from community.staff import StaffPage, staff_pages

    staff_pages.register(StaffPage(
        key="selection-board", title=gettext_lazy("Selection board"), url_name="events:staff_board_current",
        permission=PERMISSION,
        description=gettext_lazy("City Managers Days: applications ranked by score, budget meters, decisions, "
                                 "benefits, sending the decisions."),
        changelists=("events.application", "events.event"), order=40))
