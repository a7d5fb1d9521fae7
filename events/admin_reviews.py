"""City Managers Days reviews in the admin: the criteria of each in-person event (names in EN/FR/ES,
weights) and the reviews, read-only (reviewers score on their staff pages; the secretariat assigns
on the staff page "Assign reviewers"). The rules are in events/reviews.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.translated import TranslatedAdmin
from portal.admin_display import short_date, truncated
from portal.admin_tools import SafeChangelistMixin

from . import reviews
from .models import Criterion, Event, EventKind, Review, Score


class CriterionForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "event" in self.fields:
            self.fields["event"].queryset = Event.objects.filter(kind=EventKind.IN_PERSON).order_by("-starts_at")

    def clean(self):
        cleaned = super().clean()
        event = cleaned.get("event") or (self.instance.event if self.instance.event_id else None)
        if event is not None:
            try:
                reviews.criterion_check(Criterion(pk=self.instance.pk, event=event), changed=self.changed_data)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, messages in error.message_dict.items():
                        self.add_error(field if field in self.fields else None, messages)
                else:
                    raise
        return cleaned


@admin.register(Criterion)
class CriterionAdmin(SafeChangelistMixin, TranslatedAdmin):
    form = CriterionForm
    list_display = ["name", "event", "weight", "position"]
    list_filter = ["event"]
    list_select_related = ["event"]
    search_fields = ["name_en", "name_fr", "name_es"]
    ordering = ["-event__starts_at", "position", "pk"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and reviews.criteria_locked(obj.event):
            return ["event", "weight"]
        return []


class ScoreInline(admin.TabularInline):
    model = Score
    fields = ["criterion", "value"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(SafeChangelistMixin, admin.ModelAdmin):
    """Read-only: who reviews what, and how far they are."""

    # The applicant and the event on two short lines: the reviewer and the state stay on screen at 1280 px.
    list_display = ["applicant", "reviewer", "assigned", "submitted", "weighted_score"]
    list_filter = ["application__event", ("submitted_at", admin.EmptyFieldListFilter),
                   ("reviewer", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["application__member__user", "application__event", "reviewer"]
    search_fields = ["application__member__user__email", "application__member__user__last_name", "reviewer__email",
                     "reviewer__last_name"]
    fields = ["application", "reviewer", "assigned_at", "assigned_by", "submitted_at", "weighted_score", "comment"]
    readonly_fields = fields
    inlines = [ScoreInline]
    actions = ["withdraw"]

    def has_assign_permission(self, request):
        return request.user.has_perm(reviews.ASSIGN_PERMISSION)

    # Offered (and accepted when posted) only to who may assign: Django filters by ``permissions``.
    @admin.action(description=_("Withdraw the selected reviews not submitted yet"), permissions=["assign"])
    def withdraw(self, request, queryset):
        asked = queryset.count()
        withdrawn = reviews.reviews_withdraw(reviews=list(queryset.values_list("pk", flat=True)), by=request.user)
        self.message_user(request, ngettext("%(count)d review withdrawn: assign reviewers again to replace it.",
                                           "%(count)d reviews withdrawn: assign reviewers again to replace them.",
                                           withdrawn) % {"count": withdrawn}, messages.SUCCESS)
        if asked > withdrawn:
            self.message_user(request, ngettext("%(count)d submitted review kept: its scores count.",
                                               "%(count)d submitted reviews kept: their scores count.",
                                               asked - withdrawn) % {"count": asked - withdrawn}, messages.WARNING)

    @admin.display(description=_("application"), ordering="application__member__user__last_name")
    def applicant(self, obj):
        member = obj.application.member
        return format_html("{}<br>{}", truncated(member.full_name),
                           truncated(str(obj.application.event), css_class="portal-quiet"))

    @admin.display(description=_("assigned at"), ordering="assigned_at")
    def assigned(self, obj):
        return short_date(obj.assigned_at)

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted(self, obj):
        return short_date(obj.submitted_at)

    def has_add_permission(self, request):
        return False  # assigned on the staff page "Assign reviewers"

    def has_change_permission(self, request, obj=None):
        return False  # scored by the reviewer on their staff page

    def has_delete_permission(self, request, obj=None):
        return False
