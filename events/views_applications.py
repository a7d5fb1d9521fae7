"""The member's City Managers Days page: the application (save draft, autosave, submit, withdraw,
until the deadline), then the decision as sent and, for a selected member, the confirmation of the
place or its decline. The member's own application only: no URL names anyone else's. The rules are
in ``events.applications``; these views read the form and show the outcome."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from portal.numbers import decimal_input
from surveys.models import PortraitStatus, Respondent, Survey

from . import applications as rules
from . import days, services
from .application_forms import ApplicationForm, ConfirmationForm
from .models import ApplicationStatus, Decision, EligibilityRule, EventKind, Invitation
from .views import EventMixin


class DaysMixin(EventMixin):
    """The in-person event of a visible edition, the member's application and what they may do now."""

    def setup_page(self, request, event_id):
        event = self.get_event(event_id)
        if event.kind != EventKind.IN_PERSON:
            raise Http404
        self.event, self.now = event, timezone.now()
        self.application = rules.application_of(event=event, member=request.member)
        self.decided = self.application is not None and self.application.decision_sent != Decision.PENDING
        self.eligible = self.decided or services.member_is_eligible(request.member, event)
        self.open = days.applications_open(event, self.now)

    def not_eligible(self, request):
        """How to become eligible, by the event's rule, with what the member has done so far."""
        event, member = self.event, request.member
        rule = event.eligibility_rule
        needs_portrait = rule != EligibilityRule.WEBINAR
        needs_webinar = rule != EligibilityRule.PORTRAIT
        survey = Survey.objects.filter(edition_id=event.edition_id).only("pk").first() if needs_portrait else None
        has_portrait = needs_portrait and Respondent.objects.filter(
            member=member, portrait__status=PortraitStatus.SUBMITTED,
            portrait__survey__edition_id=event.edition_id).exists()
        attended = needs_webinar and Invitation.objects.filter(
            member=member, attended=True, event__edition_id=event.edition_id,
            event__kind=EventKind.WEBINAR).exists()
        return TemplateResponse(request, "events/days/apply/not_eligible.html", {
            "event": event, "how": rules.eligibility_how(event), "survey": survey,
            "needs_portrait": needs_portrait, "has_portrait": has_portrait, "needs_webinar": needs_webinar,
            "attended": attended,
            "either": rule == EligibilityRule.PORTRAIT_OR_WEBINAR, "open": self.open}, status=403)

    def page(self, request, *, form=None, confirm_form=None, status=200):
        application = self.application
        editable = self.open and not self.decided
        if form is None and not self.decided:
            initial = {field: getattr(application, field) for field in rules.NEED_FIELDS} if application else {}
            if initial.get("travel_cost_estimate") is not None:  # typed back as the page's language writes it
                initial["travel_cost_estimate"] = decimal_input(initial["travel_cost_estimate"])
            form = ApplicationForm(initial=initial, event=self.event, editable=editable)
        can_confirm = rules.can_confirm(application, self.now)
        if confirm_form is None and can_confirm:
            confirm_form = ConfirmationForm(event=self.event, initial={
                "arrival_date": application.arrival_date, "departure_date": application.departure_date,
                "badge_name": application.badge_name or request.member.user.get_full_name(),
                "accept_protocol": application.protocol_accepted_at is not None})
        return TemplateResponse(request, "events/days/apply/application.html", {
            "event": self.event, "application": application, "form": form, "editable": editable,
            "open": self.open, "decided": self.decided, "window": rules.event_window(self.event),
            "can_confirm": can_confirm, "can_decline": rules.can_decline(application, self.now),
            "confirm_form": confirm_form,
        }, status=status)


class ApplicationView(DaysMixin, View):
    def get(self, request, event_id):
        self.setup_page(request, event_id)
        if not self.eligible:
            return self.not_eligible(request)
        return self.page(request)

    def post(self, request, event_id):
        """``action``: ``draft`` (save), ``submit`` or ``withdraw``."""
        self.setup_page(request, event_id)
        if not self.eligible:
            return self.not_eligible(request)
        if self.decided:
            messages.error(request, _("The decision on your application has been sent: it can no longer be changed."))
            return redirect("events:application", event_id=self.event.pk)
        if not self.open:
            messages.error(request, _("Applications are closed: nothing can be changed any more."))
            return redirect("events:application", event_id=self.event.pk)
        action = request.POST.get("action", "draft")
        member = request.member
        try:
            if action == "withdraw":
                rules.application_withdraw(event=self.event, member=member)
                messages.success(request, _("Your application is withdrawn. You can apply again until the deadline."))
                return redirect("events:application", event_id=self.event.pk)
            form = ApplicationForm(request.POST, event=self.event)
            if not form.is_valid():
                return self.page(request, form=form)
            if action == "submit":
                rules.application_submit(event=self.event, member=member, values=form.cleaned_data)
                messages.success(request, _("Your application is submitted. You can change it until the deadline."))
            else:
                rules.application_save_draft(event=self.event, member=member, values=form.cleaned_data)
                messages.success(request, _("Your draft is saved."))
        except PermissionDenied:
            return self.not_eligible(request)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, " ".join(error.messages))
                return redirect("events:application", event_id=self.event.pk)
            self.application = rules.application_of(event=self.event, member=member)
            form.add_errors(error)
            return self.page(request, form=form)
        return redirect("events:application", event_id=self.event.pk)


class AutosaveView(DaysMixin, View):
    """The form saving itself as the member types (htmx): what can be saved is saved, even when
    another field is wrong. Answers the status line; always 200, so that htmx swaps it in."""

    def post(self, request, event_id):
        if not request.headers.get("HX-Request"):
            return redirect("events:application", event_id=event_id)
        self.setup_page(request, event_id)
        context = {"event": self.event, "errors": {}, "saved_at": None, "problem": ""}
        if not self.eligible:
            context["problem"] = rules.eligibility_how(self.event)
        elif self.decided or not self.open:
            context["problem"] = _("Applications are closed: nothing can be changed any more.")
        elif self.application is not None and self.application.status == ApplicationStatus.WITHDRAWN:
            context["problem"] = _("Your application is withdrawn: save it as a draft to apply again.")
        else:
            form = ApplicationForm(request.POST, event=self.event)
            form.is_valid()
            try:
                application, errors = rules.application_autosave(event=self.event, member=request.member,
                                                                 values=form.valid_values())
            except (PermissionDenied, ValidationError) as error:
                application, errors = None, {}
                context["problem"] = " ".join(getattr(error, "messages", [str(error)]))
            errors = {**{name: list(messages_) for name, messages_ in form.errors.items()}, **errors}
            context["errors"] = [(form.fields[name].label if name in form.fields else "", " ".join(text))
                                 for name, text in errors.items()]
            context["saved_at"] = application.updated_at if application else None
            context["application"] = application
        return TemplateResponse(request, "events/days/apply/_autosave.html", context)


class ConfirmView(DaysMixin, View):
    def get(self, request, event_id):
        return redirect("events:application", event_id=event_id)

    def post(self, request, event_id):
        self.setup_page(request, event_id)
        if self.application is None:
            raise Http404
        form = ConfirmationForm(request.POST, event=self.event)
        if not form.is_valid():
            return self.page(request, confirm_form=form)
        data = form.cleaned_data
        try:
            rules.application_confirm(application=self.application, member=request.member,
                                      accept_protocol=data["accept_protocol"], arrival_date=data["arrival_date"],
                                      departure_date=data["departure_date"], badge_name=data["badge_name"])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, " ".join(error.messages))
                return redirect("events:application", event_id=self.event.pk)
            form.add_errors(error)
            return self.page(request, confirm_form=form)
        messages.success(request, _("Your place is confirmed. See you there!"))
        return redirect("events:application", event_id=self.event.pk)


class DeclineView(DaysMixin, View):
    """Giving the place back: a page that asks once more, then its POST."""

    def get(self, request, event_id):
        self.setup_page(request, event_id)
        if not rules.can_decline(self.application, self.now):
            return redirect("events:application", event_id=self.event.pk)
        return TemplateResponse(request, "events/days/apply/decline.html",
                                {"event": self.event, "application": self.application})

    def post(self, request, event_id):
        self.setup_page(request, event_id)
        if self.application is None:
            raise Http404
        if request.POST.get("confirm") != "yes":
            return redirect("events:decline", event_id=self.event.pk)
        try:
            rules.application_decline(application=self.application, member=request.member)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("events:application", event_id=self.event.pk)
        messages.success(request, _("You gave your place back. Thank you for telling us in time."))
        return redirect("events:application", event_id=self.event.pk)
