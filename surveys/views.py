"""The member's portrait pages: overview, one page per section (autosave per answer with htmx, a
Save button without JavaScript), submit and confirmation. The portrait is always the one of the
member's own organisation: no URL names another organisation's portrait."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View

from community.mixins import ApprovedMemberRequiredMixin
from community.models import EditionStatus

from . import services
from .forms import SubmitForm, posted_value, question_item
from .models import Answer, Portrait, Survey
from .selectors import answer_of, answers_of, picked_choices, survey_questions, visible_question_ids


def _first_message(error: ValidationError) -> str:
    return error.messages[0] if error.messages else _("This answer could not be saved.")


def sections_of(questions):
    """[(section, [questions])] in order, from the ordered question list."""
    result = []
    for question in questions:
        if not result or result[-1][0].pk != question.section_id:
            result.append((question.section, []))
        result[-1][1].append(question)
    return result


def portrait_context(survey, portrait, *, section=None, items=None, questions=None):
    """The overview of a portrait: sections with their done state, progress, the section's items."""
    questions = questions if questions is not None else survey_questions(survey)
    picks = picked_choices(portrait)
    answers = answers_of(portrait)
    visible = visible_question_ids(questions, picks)
    sections = []
    answered_total = shown_total = 0
    for sec, qs in sections_of(questions):
        shown = [q for q in qs if q.pk in visible]
        answered = [q for q in shown if q.pk in answers and answers[q.pk].is_answered]
        required_missing = [q for q in shown if q.required and q not in answered]
        answered_total += len(answered)
        shown_total += len(shown)
        sections.append({"section": sec, "answered": len(answered), "total": len(shown),
                         "done": bool(shown) and not required_missing and len(answered) > 0})
    context = {"survey": survey, "portrait": portrait, "sections": sections, "answered": answered_total,
               "total": shown_total,
               "percent": round(100 * answered_total / shown_total) if shown_total else 0}
    if section is not None:
        by_id = {}
        for q in questions:
            if q.section_id == section.pk:
                by_id[q.pk] = (items or {}).get(q.pk) or question_item(
                    q, answers.get(q.pk), picks, visible=q.pk in visible)
        context["items"] = list(by_id.values())
        ordered = [s["section"] for s in sections]
        index = next(i for i, s in enumerate(ordered) if s.pk == section.pk)
        context["section"] = section
        context["section_number"] = index + 1
        context["previous_section"] = ordered[index - 1] if index > 0 else None
        context["next_section"] = ordered[index + 1] if index + 1 < len(ordered) else None
    context["questions"], context["picks"], context["answers"], context["visible"] = questions, picks, answers, visible
    return context


class PortraitMixin(ApprovedMemberRequiredMixin):
    """Loads the survey (of a visible edition) and the member's organisation's portrait, and the dates."""

    def dispatch(self, request, *args, **kwargs):
        self.survey = get_object_or_404(
            Survey.objects.select_related("edition").exclude(edition__status=EditionStatus.DRAFT),
            pk=kwargs["survey_id"])
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def questions(self):
        """The survey's questions (``survey_questions``), read once per request."""
        return survey_questions(self.survey)

    def setup_portrait(self):
        member = self.request.member
        # The survey and the member's organisation are loaded already: set, not joined again.
        self.portrait = (Portrait.objects.filter(survey=self.survey, organisation_id=member.organisation_id)
                         .select_related("submitted_by__user").first()
                         or Portrait(survey=self.survey, organisation=member.organisation))
        self.portrait.survey, self.portrait.organisation = self.survey, member.organisation
        now = timezone.now()
        self.not_open = now < self.survey.opens_at
        self.closed = now >= self.portrait.closes_at
        self.editable = not self.not_open and not self.closed

    def render(self, template, context, status=200):
        context = {"editable": self.editable, "closed": self.closed, "closes_at": self.portrait.closes_at,
                   "member": self.request.member, **context}
        return TemplateResponse(self.request, template, context, status=status)

    def not_open_page(self):
        return self.render("surveys/not_open.html", {"survey": self.survey})

    def get_portrait_for_write(self):
        if self.portrait.pk is None:
            self.portrait = services.portrait_get_or_create(survey=self.survey,
                                                            organisation=self.request.member.organisation)
        return self.portrait


class PortraitView(PortraitMixin, View):
    def get(self, request, survey_id):
        self.setup_portrait()
        if self.not_open:
            return self.not_open_page()
        return self.render("surveys/portrait.html", portrait_context(self.survey, self.portrait))


class SectionView(PortraitMixin, View):
    def get_section(self, section_id):
        """From the survey's cached questions (each has its section), else read (a section without questions)."""
        section = (next((q.section for q in self.questions if q.section_id == section_id), None)
                   or self.survey.sections.filter(pk=section_id).first())
        if section is None:
            raise Http404
        return section

    def get(self, request, survey_id, section_id):
        self.setup_portrait()
        if self.not_open:
            return self.not_open_page()
        section = self.get_section(section_id)
        return self.render("surveys/section.html", portrait_context(self.survey, self.portrait, section=section,
                                                                    questions=self.questions))

    def post(self, request, survey_id, section_id):
        """The Save button without JavaScript: every question of the section; redirect when all saved.
        From the page's script as the member leaves it (HX-Request, static/js/portal.js): the questions
        it sends, answered with no content (nobody reads the answer, no message is left for the next page)."""
        self.setup_portrait()
        if self.not_open:
            return self.not_open_page()
        section = self.get_section(section_id)
        if not self.editable:
            messages.error(request, _("The survey is closed: answers can no longer be changed. Your draft is kept."))
            return self.render("surveys/section.html",
                               portrait_context(self.survey, self.portrait, section=section), status=409)
        portrait = self.get_portrait_for_write()
        questions = self.questions
        items, errors, problems = {}, {}, 0
        # From the page's script as the member leaves: only the questions it sends (those changed).
        leaving = bool(request.headers.get("HX-Request"))
        for question in (q for q in questions if q.section_id == section.pk
                         and (not leaving or f"v{q.pk}" in request.POST)):
            try:
                posted = posted_value(question, request.POST)
                result = services.answer_save(
                    portrait=portrait, question=question, value=posted[0], other_text=posted[1],
                    member=request.member, base_version=request.POST.get(f"v{question.pk}", "0"),
                    questions=questions)
            except ValidationError as error:
                if error.code == "hidden":
                    continue  # hidden by an answer above on this page: its value is not kept
                errors[question] = (_safe_posted(question, request.POST), _first_message(error))
                continue
            if isinstance(result, services.Conflict):
                items[question.pk] = question_item(question, result.answer, {}, conflict=result,
                                                   posted=(result.mine, result.mine_other))
                problems += 1
        if leaving:
            return HttpResponse(status=204)
        if errors:
            answers = answers_of(portrait)
            for question, (posted, message) in errors.items():
                item = question_item(question, answers.get(question.pk), {}, posted=posted, error=message)
                # Keep the version the member's page was based on: fixing the value must not skip a conflict.
                item.version = _version(request.POST.get(f"v{question.pk}"))
                items[question.pk] = item
                problems += 1
        if problems:
            messages.error(request, _("Some answers were not saved: see the messages next to them."))
            return self.render("surveys/section.html", portrait_context(
                self.survey, portrait, section=section, items=items, questions=questions), status=200)
        messages.success(request, _("Your answers are saved."))
        context = portrait_context(self.survey, portrait, questions=questions)
        if "next" in request.POST:
            ordered = [s["section"] for s in context["sections"]]
            index = next(i for i, s in enumerate(ordered) if s.pk == section.pk)
            if index + 1 < len(ordered):
                return redirect("surveys:section", survey_id=self.survey.pk, section_id=ordered[index + 1].pk)
            return redirect("surveys:submit", survey_id=self.survey.pk)
        return redirect("surveys:section", survey_id=self.survey.pk, section_id=section.pk)


def _version(raw) -> int:
    try:
        return max(int(raw), 0)
    except (TypeError, ValueError):
        return 0


def _safe_posted(question, data):
    try:
        return posted_value(question, data)
    except ValidationError:
        return ([], "")


class AnswerView(PortraitMixin, View):
    """One answer, saved as the member goes (htmx). Answers with the question's fragment: saved,
    the error, or the colleague's newer value to choose from. Always 200 so that htmx swaps it in."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and not request.headers.get("HX-Request"):
            kwargs_ = {"survey_id": kwargs["survey_id"]}
            return redirect(reverse("surveys:portrait", kwargs=kwargs_))
        return super().dispatch(request, *args, **kwargs)

    def get_question(self, question_id):
        question = next((q for q in self.questions if q.pk == question_id), None)
        if question is None:
            raise Http404
        return question, self.questions

    def fragment(self, question, questions, **kwargs):
        picks = picked_choices(self.portrait)
        answer = answer_of(self.portrait, question)
        visible = question.pk in visible_question_ids(questions, picks)
        item = question_item(question, answer, picks, visible=visible, **kwargs)
        return self.render("surveys/_answer.html", {"item": item, "survey": self.survey})

    def get(self, request, survey_id, question_id):
        self.setup_portrait()
        question, questions = self.get_question(question_id)
        return self.fragment(question, questions)

    def post(self, request, survey_id, question_id):
        self.setup_portrait()
        question, questions = self.get_question(question_id)
        try:
            posted = posted_value(question, request.POST)
            if not self.editable:
                services._check_open(self.portrait)
            portrait = self.get_portrait_for_write()
            result = services.answer_save(
                portrait=portrait, question=question, value=posted[0], other_text=posted[1],
                member=request.member, base_version=request.POST.get(f"v{question.pk}", "0"), questions=questions)
        except ValidationError as error:
            return self.fragment(question, questions, posted=_safe_posted(question, request.POST),
                                 error=_first_message(error))
        if isinstance(result, services.Conflict):
            return self.fragment(question, questions, conflict=result, posted=(result.mine, result.mine_other))
        return self.saved_fragment(question, result)

    def saved_fragment(self, question, answer):
        """The fragment of an answer just saved, from what the save wrote (no read). It is shown: the
        save checked that, and a question's own answer never hides it (conditions are on earlier ones)."""
        picks = {question.pk: answer.picked_ids} if answer is not None else {}
        if answer is not None and not Answer.updated_by.field.is_cached(answer):  # unchanged: who is not loaded
            answer = answer_of(self.portrait, question)
        item = question_item(question, answer, picks, visible=True, saved=True)
        return self.render("surveys/_answer.html", {"item": item, "survey": self.survey})


class SubmitView(PortraitMixin, View):
    def get(self, request, survey_id):
        self.setup_portrait()
        if self.not_open:
            return self.not_open_page()
        context = portrait_context(self.survey, self.portrait)
        missing = services.missing_required(self.portrait, context["questions"], context["picks"])
        form = SubmitForm(initial={"show_to_peers": self.portrait.show_to_peers})
        return self.render("surveys/submit.html", {**context, "missing": missing, "form": form})

    def post(self, request, survey_id):
        self.setup_portrait()
        if self.not_open:
            return self.not_open_page()
        form = SubmitForm(request.POST)
        form.is_valid()  # one optional checkbox: always valid
        if not self.editable:
            messages.error(request, _("The survey is closed: the portrait can no longer be submitted."))
            return redirect("surveys:submit", survey_id=self.survey.pk)
        portrait = self.get_portrait_for_write()
        missing = services.portrait_submit(portrait=portrait, member=request.member,
                                           show_to_peers=form.cleaned_data.get("show_to_peers", False))
        if missing:
            context = portrait_context(self.survey, portrait)
            messages.error(request, _("Some required questions are not answered yet."))
            return self.render("surveys/submit.html", {**context, "missing": missing, "form": form})
        return redirect("surveys:submitted", survey_id=self.survey.pk)


class SubmittedView(PortraitMixin, View):
    def get(self, request, survey_id):
        self.setup_portrait()
        if not self.portrait.is_submitted:
            return redirect("surveys:portrait", survey_id=self.survey.pk)
        return self.render("surveys/submitted.html", {"survey": self.survey, "portrait": self.portrait})
