"""The programme of City Managers Days in the admin (Events › Programme): sessions and site visits,
texts in English, French and Spanish, filtered by event. A site visit needs a capacity (also a
database CHECK), and it cannot go below the places already picked. Picks are made by the confirmed
participants on their programme page (events.programme); staff see them here, read-only."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from community.translated import TranslatedAdmin
from portal.admin_tools import SafeChangelistMixin

from .models import Confirmation, EventKind, Session, SessionKind, SiteVisitPick
from .programme import COUNTED


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["event", "kind", "title", "description", "starts_at", "ends_at", "location", "capacity"]

    def clean(self):
        cleaned = super().clean()
        kind, capacity, event = cleaned.get("kind"), cleaned.get("capacity"), cleaned.get("event")
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if event is not None and event.kind != EventKind.IN_PERSON:
            self.add_error("event", _("The programme belongs to an in-person event."))
        if kind == SessionKind.SITE_VISIT and capacity is None:
            self.add_error("capacity", _("A site visit needs a capacity: how many participants can go."))
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        if self.instance.pk and kind == SessionKind.SITE_VISIT and capacity is not None:
            taken = self.instance.picks.filter(application__confirmation=Confirmation.CONFIRMED).count()
            if capacity < taken:
                self.add_error("capacity", _("%(taken)s participants have already picked this visit: the capacity "
                                             "cannot be %(capacity)s.") % {"taken": taken, "capacity": capacity})
        return cleaned


class SiteVisitPickInline(admin.TabularInline):
    model = SiteVisitPick
    fields = ["application", "picked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("participants who picked it")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application__member__user", "application__event")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Session)
class SessionAdmin(SafeChangelistMixin, TranslatedAdmin):
    form = SessionForm
    list_display = ["title", "kind", "event", "starts_at", "ends_at", "location", "capacity", "picked"]
    list_filter = ["event", "kind"]
    list_select_related = ["event"]
    search_fields = ["title_en", "title_fr", "title_es", "location"]
    inlines = [SiteVisitPickInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "event":
            from .models import Event

            kwargs["queryset"] = Event.objects.filter(kind=EventKind.IN_PERSON)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(taken=Count("picks", filter=COUNTED))

    def has_delete_permission(self, request, obj=None):
        # A site visit someone picked is changed (or its participants told), never silently deleted.
        if obj is not None and obj.picks.exists():
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("picked"), ordering="taken")
    def picked(self, obj):
        return obj.taken if obj.kind == SessionKind.SITE_VISIT else "—"
