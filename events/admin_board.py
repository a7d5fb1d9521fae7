"""City Managers Days in the admin: the in-person settings and the budget on the event's page, and
the applications (read only: decided on the selection board) with the history of each.

The budget is edited on the event's form (three fields beside the number of places) and saved
through ``events.days.budget_change``, never directly: lowering a limit or the places below what is
already granted is refused with the figures, as an error of that field.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from community import audit
from community.models import AuditEntry
from portal.admin_tools import SafeChangelistMixin, StreamedExportMixin

from . import days, exports_board
from .models import Application, Budget, Event, EventKind

BUDGET_FIELDS = ["expo_passes", "accommodation_nights", "travel_support_euros"]
IN_PERSON_FIELDS = ["eligibility_rule", "applications_close_at", "confirm_within_days"]


class _DryRun(Exception):
    pass


class EventDaysForm(forms.ModelForm):
    """The event's form with the budget's three limits (in-person events)."""

    expo_passes = Budget._meta.get_field("expo_passes").formfield(required=False)
    accommodation_nights = Budget._meta.get_field("accommodation_nights").formfield(required=False)
    travel_support_euros = Budget._meta.get_field("travel_support_euros").formfield(
        required=False, min_value=0, max_value=99999999)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        budget = Budget.objects.filter(event_id=self.instance.pk).first() if self.instance.pk else None
        for name in BUDGET_FIELDS:
            if name in self.fields:
                self.fields[name].initial = getattr(budget, name) if budget else Budget._meta.get_field(name).default

    def budget_values(self) -> dict:
        return {name: self.cleaned_data.get(name) if self.cleaned_data.get(name) is not None
                else Budget._meta.get_field(name).default for name in BUDGET_FIELDS}

    def clean(self):
        """Try the change with ``days.budget_change`` and roll it back (the save does it for real,
        under the budget's lock taken here and held until the admin's transaction ends)."""
        cleaned = super().clean()
        event = self.instance
        if (event.pk is None or cleaned.get("kind") != EventKind.IN_PERSON or "expo_passes" not in self.fields
                or any(name in self.errors for name in [*BUDGET_FIELDS, "capacity"])):
            return cleaned
        current = Event.objects.get(pk=event.pk)
        if transaction.get_connection().in_atomic_block:
            days.lock_budget(current)
        try:
            with transaction.atomic():
                days.budget_change(event=current, by=None, places=cleaned.get("capacity"), change_places=True,
                                   **self.budget_values())
                raise _DryRun
        except _DryRun:
            pass
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            for field, messages in errors.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


class EventDaysAdminMixin:
    """Added to ``EventAdmin``: the in-person fieldset (rule, deadline, days to confirm, protocol,
    budget, link to the selection board) and the budget's save through ``days.budget_change``."""

    form = EventDaysForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = [f for f in options["fields"] if f not in IN_PERSON_FIELDS and not str(f).startswith("protocol")]
            if fields:
                fieldsets.append((name, {**options, "fields": fields}))
        if obj is not None and obj.kind != EventKind.IN_PERSON:
            return fieldsets
        protocol = [f"protocol_{code}" for code in ("en", "fr", "es")]
        extra = ["selection_board"] if obj is not None else []
        fieldsets.append((_("City Managers Days (in person)"), {
            "fields": [*IN_PERSON_FIELDS, *protocol, *BUDGET_FIELDS, *extra],
            "description": _("In-person events only. The number of places is the event's capacity; the budget "
                             "cannot go below what is already granted."),
        }))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "selection_board"]

    @admin.display(description=_("selection board"))
    def selection_board(self, obj):
        if obj is None or obj.pk is None or obj.kind != EventKind.IN_PERSON:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("events:staff_board", args=[obj.pk]),
                           _("Open the selection board"))

    def save_form(self, request, form, change):
        """The places go through ``days.budget_change`` too (in ``save_related``): keep the stored
        number until then, so that its audit entry says what it was."""
        event = super().save_form(request, form, change)
        event._days_capacity = event.capacity
        if change and event.kind == EventKind.IN_PERSON and "capacity" in form.changed_data:
            event.capacity = form.initial.get("capacity")
        return event

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        event = form.instance
        if event.kind == EventKind.IN_PERSON and "expo_passes" in form.fields:
            days.budget_change(event=event, by=request.user, places=event._days_capacity, change_places=True,
                               **form.budget_values())


class AuditHistoryMixin:
    """The change page lists the object's audit entries (who, what, when, before and after)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        entries = []
        obj = self.get_object(request, object_id)
        if obj is not None:
            entries = [(entry, audit.action_label(entry.action))
                       for entry in AuditEntry.objects.for_object(obj).select_related("actor").order_by("created_at",
                                                                                                        "pk")]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "history": entries})


@admin.register(Application)
class ApplicationAdmin(SafeChangelistMixin, StreamedExportMixin, AuditHistoryMixin, admin.ModelAdmin):
    """Read only: applications are written by members and decided on the selection board."""

    change_form_template = "admin/events/application/change_form.html"
    change_list_template = "admin/events/application/change_list.html"
    list_display = ["member", "organisation", "event", "status", "score", "review_count", "decision",
                    "decision_sent", "confirmation", "pass_granted", "nights_granted", "euros_granted"]
    list_filter = ["event", "decision", "decision_sent", "confirmation", "status"]
    list_select_related = ["member__user", "member__organisation", "event"]
    search_fields = ["member__user__email", "member__user__last_name", "member__organisation__name"]
    show_full_result_count = False

    @admin.display(description=_("organisation"), ordering="member__organisation__name")
    def organisation(self, obj):
        return obj.member.organisation.name

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Application._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    export_name = "applications"

    def export_csv(self, queryset):
        return exports_board.application_export_csv(queryset)

    def export_xlsx(self, queryset):
        return exports_board.application_export_xlsx(queryset)
