"""Events (the join link only on the change page), their invitations (read-only: members answer,
the services issue and revoke) and the eligibility exceptions (granted and withdrawn through the
services, with an audit entry)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.translated import TranslatedAdmin
from portal.admin_tools import SafeChangelistMixin

from . import services
from .models import EligibilityException, Event, Invitation, InvitationStatus, Rsvp


@admin.register(Event)
class EventAdmin(SafeChangelistMixin, TranslatedAdmin):
    # No join_url here: the list (and anything exported from it later) never shows the secret link.
    list_display = ["title", "kind", "edition", "starts_at", "ends_at", "time_zone", "invited", "answered_yes"]
    list_filter = ["kind", "edition"]
    list_select_related = ["edition"]
    readonly_fields = ["sequence"]
    actions = ["invite_all_eligible"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

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
            if event.has_ended():
                self.message_user(request, _("%(event)s is over: nobody was invited.") % {"event": event},
                                  messages.WARNING)
                continue
            count = services.invite_all_eligible(event=event, by=request.user)
            self.message_user(request, ngettext("%(event)s: %(count)d member invited.",
                                                "%(event)s: %(count)d members invited.", count)
                              % {"event": event, "count": count})


@admin.register(Invitation)
class InvitationAdmin(SafeChangelistMixin, admin.ModelAdmin):
    list_display = ["member", "event", "status", "rsvp", "rsvp_at", "issued_at", "attended"]
    list_filter = ["status", "rsvp", "event"]
    list_select_related = ["member__user", "event"]
    search_fields = ["member__user__email", "member__user__last_name", "member__organisation__name"]
    readonly_fields = ["event", "member", "status", "rsvp", "rsvp_at", "issued_at", "issued_by", "revoked_at",
                       "revoked_reason", "attended", "minutes_attended"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # issued by the services: on submission, or the action "Invite all eligible"

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
