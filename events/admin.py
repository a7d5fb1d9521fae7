"""Events (the join link only on the change page), their invitations (read-only: members answer,
the services issue and revoke) and the eligibility exceptions (granted and withdrawn through the
services, with an audit entry)."""

import zoneinfo
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community import timezones
from community.translated import TranslatedAdmin
from portal.admin_tools import SafeChangelistMixin, StreamedExportMixin
from portal.imports import upload_forget, upload_is_known, upload_remember

from . import attendance, exports, services
from .admin_board import EventDaysAdminMixin
from .forms import AttendanceConfirmForm, AttendanceStorage, AttendanceUploadForm
from .models import EligibilityException, Event, Invitation, InvitationStatus, Rsvp

# Who runs the event (edits it, invites all eligible) records its attendance.
ATTENDANCE_PERMISSION = "events.change_event"


@admin.register(Event)
class EventAdmin(EventDaysAdminMixin, SafeChangelistMixin, TranslatedAdmin):
    # No join_url here: the list (and anything exported from it later) never shows the secret link.
    list_display = ["title", "kind", "edition", "starts_at", "ends_at", "time_zone", "invited", "answered_yes"]
    list_filter = ["kind", "edition"]
    list_select_related = ["edition"]
    readonly_fields = ["sequence"]
    actions = ["invite_all_eligible"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    change_form_template = "admin/events/event/change_form.html"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Start and end are typed and shown in the event's own time zone (the one posted, else the
        event's), not the staff member's: "09:00" means 09:00 in Barcelona for the Barcelona days."""
        zone = timezones.zone(request.POST.get("time_zone") if request.method == "POST" else None, None)
        if zone is None and object_id:
            event = Event.objects.filter(pk=object_id).only("time_zone").first() if str(object_id).isdigit() else None
            zone = timezones.zone(event.time_zone if event else None, None)
        with timezone.override(zone or zoneinfo.ZoneInfo("UTC")):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()  # the widgets convert the times now, in this zone
        return response

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for name in ("starts_at", "ends_at"):
            if name in form.base_fields:
                form.base_fields[name].help_text = _("In the event's own time zone (below).")
        return form

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}),
                         "can_record_attendance": request.user.has_perm(ATTENDANCE_PERMISSION)}
        return super().change_view(request, object_id, form_url, extra_context)

    # ---------------------------------------------------------------- attendance import
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:event_id>/attendance/", view(self.attendance_upload_view), name="events_event_attendance"),
            path("<int:event_id>/attendance/confirm/", view(self.attendance_confirm_view),
                 name="events_event_attendance_confirm"),
            *super().get_urls(),
        ]

    def _attendance_event(self, request, event_id):
        if not request.user.has_perm(ATTENDANCE_PERMISSION):
            raise PermissionDenied
        return get_object_or_404(Event, pk=event_id)

    def _attendance_page(self, request, event, template, **context):
        return TemplateResponse(request, f"admin/events/event/{template}", {
            **self.admin_site.each_context(request), "opts": self.opts, "event": event,
            "title": _("Attendance of %(event)s") % {"event": event}, **context})

    def attendance_upload_view(self, request, event_id):
        """Step 1: upload the meeting tool's report; step 2 (the answer): a preview and the columns."""
        event = self._attendance_event(request, event_id)
        form = AttendanceUploadForm(request.POST, request.FILES) if request.method == "POST" else AttendanceUploadForm()
        if request.method != "POST" or not form.is_valid():
            return self._attendance_page(request, event, "attendance_upload.html", form=form,
                                         attended=services.attended_invitations(event).count())
        storage = AttendanceStorage(event_id=event.pk)
        storage.save(form.data_bytes)
        upload_remember(request, storage.name)
        report = form.parsed
        email, minutes = attendance.guess_columns(report.header)
        confirm = AttendanceConfirmForm(header=report.header, initial={
            "upload": storage.name, "filename": form.cleaned_data["report"].name[:255],
            "email_column": email, "minutes_column": minutes})
        return self._attendance_preview(request, event, report, confirm)

    def _attendance_preview(self, request, event, report, confirm, rows=None):
        return self._attendance_page(request, event, "attendance_preview.html", form=confirm, report=report,
                                     preview=report.preview(), row_count=len(report.rows), rows=rows)

    def attendance_confirm_view(self, request, event_id):
        """Step 3: read the chosen columns and record them, in one transaction; the result page."""
        event = self._attendance_event(request, event_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:events_event_attendance", args=[event.pk]))
        name = request.POST.get("upload", "")
        storage = partial(AttendanceStorage, event_id=event.pk)
        data = storage(name=name).read() if upload_is_known(request, name, storage) else None
        if not isinstance(data, bytes):
            self.message_user(request, _("This import cannot be confirmed: it was not uploaded in this session, or it "
                                         "has expired. Upload the file again."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:events_event_attendance", args=[event.pk]))
        report = attendance.read_report(data)  # it was read once already: the same answer
        confirm = AttendanceConfirmForm(request.POST, header=report.header)
        if not confirm.is_valid():
            return self._attendance_preview(request, event, report, confirm)
        rows = attendance.attendance_rows(report, email_column=confirm.cleaned_data["email_column"],
                                          minutes_column=confirm.cleaned_data["minutes_column"])
        if not rows.minutes and not rows.bad_minutes:
            confirm.add_error("email_column", _("No row of this column holds an email address: pick the column with "
                                                "the attendees' addresses."))
        elif not rows.minutes:
            confirm.add_error("minutes_column", _("No row of this column holds a number of minutes or a duration: "
                                                  "pick the column with the time each attendee spent."))
        elif rows.bad_minutes and not confirm.cleaned_data["skip_bad_rows"]:
            confirm.add_error(None, ngettext(
                "Nothing was imported: %(count)d row has minutes that cannot be read (listed below). Correct the "
                "file and upload it again, or tick “Import the other rows and skip those whose minutes cannot be "
                "read”.",
                "Nothing was imported: %(count)d rows have minutes that cannot be read (listed below). Correct the "
                "file and upload it again, or tick “Import the other rows and skip those whose minutes cannot be "
                "read”.", len(rows.bad_minutes)) % {"count": len(rows.bad_minutes)})
        if confirm.errors:
            return self._attendance_preview(request, event, report, confirm, rows=rows)
        result = services.attendance_import(event=event, minutes=rows.minutes, by=request.user,
                                            min_minutes=confirm.cleaned_data["min_minutes"],
                                            source=confirm.cleaned_data["filename"])
        upload_forget(request, name, storage)
        return self._attendance_page(request, event, "attendance_result.html", result=result, rows=rows)

    def get_queryset(self, request):
        active = Q(invitations__status=InvitationStatus.INVITED)
        return super().get_queryset(request).annotate(
            invited_count=Count("invitations", filter=active),
            yes_count=Count("invitations", filter=active & Q(invitations__rsvp=Rsvp.YES)))

    @admin.display(description=_("invited"), ordering="invited_count")
    def invited(self, obj):
        return obj.invited_count

    @admin.display(description=_("coming"), ordering="yes_count")
    def answered_yes(self, obj):
        return obj.yes_count

    def save_model(self, request, obj, form, change):
        services.event_save(event=obj, changed=form.changed_data if change else ())

    def has_delete_permission(self, request, obj=None):
        return False if obj is not None and obj.invitations.exists() else super().has_delete_permission(request, obj)

    @admin.action(description=_("Invite all eligible members (never twice)"), permissions=["change"])
    def invite_all_eligible(self, request, queryset):
        for event in queryset:
            if not event.is_webinar:
                self.message_user(request, _("%(event)s takes applications, not invitations: nobody was invited.")
                                  % {"event": event}, messages.WARNING)
                continue
            if event.has_ended():
                self.message_user(request, _("%(event)s is over: nobody was invited.") % {"event": event},
                                  messages.WARNING)
                continue
            count = services.invite_all_eligible(event=event, by=request.user)
            self.message_user(request, ngettext("%(event)s: %(count)d member invited.",
                                                "%(event)s: %(count)d members invited.", count)
                              % {"event": event, "count": count})


class InvitationStateFilter(admin.SimpleListFilter):
    """Invited / Yes / No / No answer / Attended / Revoked, each with its count ("Yes (12)"), the
    counts of the list as its other filters and search leave it, in one aggregate query."""

    title = _("state")
    parameter_name = "state"
    STATES = {
        # "invited", "yes", "no", "no answer": active invitations only (a revoked one's answer is void)
        "invited": Q(status=InvitationStatus.INVITED),
        "yes": Q(status=InvitationStatus.INVITED, rsvp=Rsvp.YES),
        "no": Q(status=InvitationStatus.INVITED, rsvp=Rsvp.NO),
        "no_answer": Q(status=InvitationStatus.INVITED, rsvp=Rsvp.NONE),
        "attended": Q(attended=True),
        "revoked": Q(status=InvitationStatus.REVOKED),
    }

    def __init__(self, request, params, model, model_admin):
        self.request = request
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [("invited", _("Invited")), ("yes", _("Yes")), ("no", _("No")), ("no_answer", _("No answer")),
                ("attended", _("Attended")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value not in self.STATES:
            raise IncorrectLookupParameters(f"Unknown state {value!r}")
        return queryset.filter(self.STATES[value])

    def counts(self, changelist) -> dict[str, int]:
        rows = changelist.get_queryset(self.request, exclude_parameters=self.expected_parameters()).order_by()
        return rows.aggregate(**{key: Count("pk", filter=condition) for key, condition in self.STATES.items()})

    def choices(self, changelist):
        counts = self.counts(changelist)
        yield next(iter(super().choices(changelist)))  # "All"
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": f"{label} ({counts[value]})",
            }


@admin.register(Invitation)
class InvitationAdmin(SafeChangelistMixin, StreamedExportMixin, admin.ModelAdmin):
    change_list_template = "admin/events/invitation/change_list.html"
    list_display = ["member", "event", "status", "rsvp", "rsvp_at", "issued_at", "attended", "minutes_attended"]
    list_filter = [InvitationStateFilter, "event"]
    actions = ["resend", "mark_attended", "mark_not_attended"]
    list_select_related = ["member__user", "event"]
    search_fields = ["member__user__email", "member__user__last_name", "member__organisation__name"]
    readonly_fields = ["event", "member", "status", "rsvp", "rsvp_at", "issued_at", "issued_by", "revoked_at",
                       "revoked_reason", "attended", "minutes_attended"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # issued by the services: on submission, or the action "Invite all eligible"

    def has_resend_permission(self, request):
        # Who may invite (the action "Invite all eligible" on the event) may mail the invitation again.
        return request.user.has_perm("events.change_event")

    @admin.action(description=_("Send the invitation email again"), permissions=["resend"])
    def resend(self, request, queryset):
        selected = queryset.count()
        queued = services.invitations_resend(invitations=list(queryset.values_list("pk", flat=True)), by=request.user)
        message = ngettext("%(queued)d invitation email queued again.",
                           "%(queued)d invitation emails queued again.", queued) % {"queued": queued}
        if selected > queued:
            message += " " + ngettext(
                "%(skipped)d skipped (revoked, event over or member no longer eligible).",
                "%(skipped)d skipped (revoked, event over or members no longer eligible).",
                selected - queued) % {"skipped": selected - queued}
        self.message_user(request, message, messages.SUCCESS if queued else messages.WARNING)

    def has_attendance_permission(self, request):
        return request.user.has_perm(ATTENDANCE_PERMISSION)

    def _mark(self, request, queryset, attended):
        changed = services.attendance_mark(invitations=list(queryset.values_list("pk", flat=True)),
                                           attended=attended, by=request.user)
        message = (ngettext("%(count)d invitation marked as attended.", "%(count)d invitations marked as attended.",
                            changed) if attended else
                   ngettext("%(count)d invitation marked as not attended.",
                            "%(count)d invitations marked as not attended.", changed))
        self.message_user(request, message % {"count": changed})

    @admin.action(description=_("Mark as attended"), permissions=["attendance"])
    def mark_attended(self, request, queryset):
        self._mark(request, queryset, True)

    @admin.action(description=_("Mark as not attended"), permissions=["attendance"])
    def mark_not_attended(self, request, queryset):
        self._mark(request, queryset, False)

    export_name = "invitations"  # pick the event with its filter first; never the join link

    def export_csv(self, queryset):
        return exports.invitation_export_csv(queryset)

    def export_xlsx(self, queryset):
        return exports.invitation_export_xlsx(queryset)

    def has_delete_permission(self, request, obj=None):
        return False


class ExceptionForm(forms.ModelForm):
    class Meta:
        model = EligibilityException
        fields = ["event", "member", "reason"]


@admin.register(EligibilityException)
class EligibilityExceptionAdmin(SafeChangelistMixin, admin.ModelAdmin):
    form = ExceptionForm
    list_display = ["member", "event", "reason", "granted_by", "granted_at", "withdrawn_at", "withdrawn_by"]
    list_filter = ["event", ("withdrawn_at", admin.EmptyFieldListFilter)]
    list_select_related = ["member__user", "event", "granted_by", "withdrawn_by"]
    search_fields = ["member__user__email", "member__user__last_name", "reason"]
    autocomplete_fields = ["member"]
    actions = ["withdraw"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # a granted exception is a record: withdraw it, do not edit it
            return ["event", "member", "reason", "granted_by", "granted_at", "withdrawn_at", "withdrawn_by"]
        return []

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) if obj is not None else ["event", "member", "reason"]

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            saved = services.exception_grant(event=obj.event, member=obj.member, reason=obj.reason, by=request.user)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Withdraw the selected exceptions"), permissions=["change"])
    def withdraw(self, request, queryset):
        done = 0
        for exception in queryset.filter(withdrawn_at__isnull=True):
            services.exception_withdraw(exception=exception, by=request.user)
            done += 1
        self.message_user(request, ngettext("%d exception withdrawn.", "%d exceptions withdrawn.", done) % done)


# City Managers Days: the programme's admin, the review criteria and the reviews.
from . import admin_programme, admin_reviews  # noqa: E402, F401
