"""The survey builder (survey › sections › questions › choices, each with its children inline and an
``order``), a preview as members see it, and the portraits with the "extend the deadline" action."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.translated import TranslatedAdmin, TranslatedStackedInline, TranslatedTabularInline
from portal.admin_tools import CheapActionCheckboxMixin, SafeChangelistMixin

from . import services
from .forms import DeadlineExtendForm
from .models import (
    Answer,
    AnswerChoice,
    Choice,
    Portrait,
    PortraitStatus,
    Question,
    QuestionKind,
    Respondent,
    Section,
    Survey,
)
from .views import portrait_context


# ------------------------------------------------------------------------------ builder
class SectionInline(TranslatedTabularInline):
    model = Section
    fields = ["order", "title", "introduction"]
    extra = 0
    show_change_link = True  # the section's page holds its questions


@admin.register(Survey)
class SurveyAdmin(SafeChangelistMixin, TranslatedAdmin):
    list_display = ["title", "edition", "opens_at", "closes_at", "preview_link"]
    list_select_related = ["edition"]
    inlines = [SectionInline]
    readonly_fields = ["staff_note_display", "preview_link"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.staff_note:
            return [(None, {"fields": ["staff_note_display", "preview_link"]}), *fieldsets]
        if obj is not None:
            return [(None, {"fields": ["preview_link"]}), *fieldsets]
        return fieldsets

    @admin.display(description=_("note for staff"))
    def staff_note_display(self, obj):
        return format_html('<strong class="errornote">{}</strong>', obj.staff_note)

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:surveys_survey_preview", args=[obj.pk]),
                           _("See it as a member would"))

    def get_urls(self):
        return [path("<int:survey_id>/preview/", self.admin_site.admin_view(self.preview_view),
                     name="surveys_survey_preview"), *super().get_urls()]

    def preview_view(self, request, survey_id):
        """The member's section page, read-only, every conditional question shown."""
        survey = get_object_or_404(Survey, pk=survey_id)
        if not self.has_view_permission(request, survey):
            raise PermissionDenied
        sections = list(survey.sections.all())
        if not sections:
            self.message_user(request, _("Add a section first."), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:surveys_survey_change", args=[survey.pk]))
        wanted = request.GET.get("section", "")
        section = next((s for s in sections if str(s.pk) == wanted), sections[0])
        context = portrait_context(survey, Portrait(survey=survey), section=section)
        for item in context["items"]:
            item.visible = True
        return TemplateResponse(request, "surveys/section.html",
                                {**context, "preview": True, "editable": False, "closed": False,
                                 "closes_at": survey.closes_at})


class AnswerProtectedInline:
    """An inline whose rows cannot be deleted once answered: the reason in the staff's words (Django's
    own check would only name the protected rows)."""

    in_use_message = ""

    def in_use_count(self, instance) -> int:
        raise NotImplementedError

    def check_delete(self, instance) -> None:
        """Any other reason the row cannot go (a ValidationError)."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        inline = self

        class Form(formset.form):
            def hand_clean_DELETE(self):  # called by the admin for each row marked for deletion
                if self.cleaned_data.get("DELETE") and self.instance.pk:
                    count = inline.in_use_count(self.instance)
                    if count:
                        raise ValidationError(inline.in_use_message % {"item": self.instance, "count": count})
                    inline.check_delete(self.instance)
                super().hand_clean_DELETE()

            def _update_errors(self, errors):
                # The model's rules may name a field this row does not show (a question's condition, on the
                # section's page): Django would fail (500) adding an error to a field the form lacks.
                if hasattr(errors, "error_dict"):
                    shown = {name: messages for name, messages in errors.error_dict.items() if name in self.fields}
                    hidden = [m for name, messages in errors.error_dict.items() if name not in self.fields
                              for m in messages]
                    errors = ValidationError({**shown, **({NON_FIELD_ERRORS: hidden} if hidden else {})})
                super()._update_errors(errors)

        formset.form = Form
        return formset


class QuestionInline(AnswerProtectedInline, TranslatedStackedInline):
    model = Question
    in_use_message = _("“%(item)s” is answered in %(count)d portrait(s): it cannot be removed (the answers would "
                       "be lost).")

    def in_use_count(self, instance):
        return Answer.objects.filter(question=instance).count()

    fields = ["order", "kind", "required", "text", "help_text"]
    extra = 0
    show_change_link = True  # choices, scale labels, number limits and the condition are on the question's page


@admin.register(Section)
class SectionAdmin(SafeChangelistMixin, TranslatedAdmin):
    list_display = ["title", "survey", "order", "question_count"]
    list_filter = ["survey"]
    list_select_related = ["survey"]
    inlines = [QuestionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_count=Count("questions"))

    @admin.display(description=_("questions"), ordering="question_count")
    def question_count(self, obj):
        return obj.question_count


class ChoiceInline(AnswerProtectedInline, TranslatedTabularInline):
    model = Choice
    in_use_message = _("“%(item)s” is chosen in %(count)d portrait(s): it cannot be removed (those answers would "
                       "change). Correct its text instead, or add a new choice.")

    def in_use_count(self, instance):
        return AnswerChoice.objects.filter(choice=instance).count()

    def check_delete(self, instance):
        shown = Question.objects.filter(show_if_choices=instance).first()
        if shown is not None:
            # The question would be hidden for good (a condition with no choice left).
            raise ValidationError(_("“%(item)s” shows the question “%(question)s”: change that question's "
                                    "condition first.") % {"item": instance, "question": shown})

    fields = ["order", "text"]
    extra = 0


class QuestionAdminForm(forms.ModelForm):
    """The condition's choices must be choices of the condition's question (the model's clean checks
    that the condition is an earlier choice question). The admin gives it its model and fields."""

    def clean(self):
        cleaned = super().clean()
        condition, wanted = cleaned.get("show_if_question"), cleaned.get("show_if_choices")
        if condition is not None and wanted is not None:
            if not wanted:
                self.add_error("show_if_choices", _("Pick the choices of the condition that show this question."))
            elif any(choice.question_id != condition.pk for choice in wanted):
                self.add_error("show_if_choices", _("Pick only choices of the question the condition depends on."))
        elif condition is None and wanted:
            self.add_error("show_if_question", _("Pick the question the condition depends on."))
        return cleaned


@admin.register(Question)
class QuestionAdmin(SafeChangelistMixin, TranslatedAdmin):
    form = QuestionAdminForm
    list_display = ["text", "section", "order", "kind", "required", "peer_matching"]
    list_filter = ["kind", "required", "peer_matching", "section__survey"]
    list_select_related = ["section"]
    search_fields = ["text_en", "text_fr", "text_es"]
    inlines = [ChoiceInline]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        conditions = Question.objects.filter(kind__in=QuestionKind.conditions())
        choices = Choice.objects.filter(question__kind__in=QuestionKind.conditions())
        if obj is not None:
            conditions = conditions.filter(section__survey_id=obj.section.survey_id).exclude(pk=obj.pk)
            choices = choices.filter(question__section__survey_id=obj.section.survey_id)
        if "show_if_question" in form.base_fields:
            form.base_fields["show_if_question"].queryset = conditions.select_related("section")
        if "show_if_choices" in form.base_fields:
            form.base_fields["show_if_choices"].queryset = choices.select_related("question")
        return form


# ------------------------------------------------------------------------------ portraits
class RespondentInline(admin.TabularInline):
    model = Respondent
    fields = ["member", "first_saved_at", "last_saved_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Portrait)
class PortraitAdmin(CheapActionCheckboxMixin, SafeChangelistMixin, admin.ModelAdmin):
    list_display = ["organisation", "survey", "status", "answered", "submitted_at", "updated_at", "deadline"]
    list_filter = ["status", "survey", "organisation__region"]
    list_select_related = ["organisation", "survey"]
    search_fields = ["organisation__name"]
    readonly_fields = ["survey", "organisation", "status", "submitted_at", "submitted_by", "show_to_peers",
                       "deadline_extended_until", "created_at", "updated_at"]
    fields = readonly_fields
    inlines = [RespondentInline]
    actions = ["extend_deadline", "reopen"]
    # The total of every portrait is one more count on each page (the filtered one is shown).
    show_full_result_count = False

    def get_queryset(self, request):
        # A subquery, not Count() over a join: the page's count then needs no GROUP BY over every
        # answer, and the answers are counted for the rows shown only.
        answered = (Answer.objects.filter(portrait=OuterRef("pk"), is_answered=True).order_by().values("portrait")
                    .annotate(n=Count("pk")).values("n"))
        return super().get_queryset(request).annotate(
            answered_count=Coalesce(Subquery(answered, output_field=IntegerField()), 0))

    def has_add_permission(self, request):
        return False  # members start a portrait by answering

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("answered"), ordering="answered_count")
    def answered(self, obj):
        return obj.answered_count

    @admin.display(description=_("deadline"))
    def deadline(self, obj):
        return obj.closes_at

    @admin.action(description=_("Re-open the selected portraits (back to draft)"), permissions=["change"])
    def reopen(self, request, queryset):
        done = 0
        for portrait in queryset.filter(status=PortraitStatus.SUBMITTED):
            services.portrait_reopen(portrait=portrait, by=request.user)
            done += 1
        self.message_user(request, ngettext("%d portrait re-opened: it must be submitted again.",
                                            "%d portraits re-opened: they must be submitted again.", done) % done)

    @admin.action(description=_("Extend the deadline of the selected organisations"), permissions=["change"])
    def extend_deadline(self, request, queryset):
        portraits = list(queryset.select_related("survey", "organisation"))
        if "apply" in request.POST:
            form = DeadlineExtendForm(request.POST)
            if form.is_valid():
                done = 0
                for portrait in portraits:
                    try:
                        services.portrait_deadline_extend(portrait=portrait, until=form.cleaned_data["until"],
                                                          by=request.user, reason=form.cleaned_data["reason"])
                        done += 1
                    except ValidationError as error:
                        self.message_user(request, f"{portrait.organisation}: {'; '.join(error.messages)}",
                                          messages.ERROR)
                if done:
                    self.message_user(request, ngettext("%d deadline extended.", "%d deadlines extended.", done)
                                      % done)
                return None
        else:
            form = DeadlineExtendForm()
        return TemplateResponse(request, "admin/surveys/portrait/extend.html", {
            **self.admin_site.each_context(request), "title": _("Extend the deadline"), "form": form,
            "portraits": portraits, "opts": self.model._meta, "time_zone": timezone.get_current_timezone_name(),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME})
