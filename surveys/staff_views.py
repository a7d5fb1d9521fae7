"""The secretariat's survey pages: results with a chart and a table per question, the organisations
that have not submitted (with a reminder), and the streamed exports. Thin: the numbers come from
results.py, the rows from exports.py, the reminder from staff_services.py."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView

from community.models import Region
from community.staff import StaffPermissionRequiredMixin
from portal.exports import export_response

from . import exports, results, staff_services
from .models import Survey

VIEW_PERMISSION = "surveys.view_portrait"
REMIND_PERMISSION = "surveys.change_portrait"
NOT_SUBMITTED_PAGE_SIZE = 100


class ResultsFilterForm(forms.Form):
    region = forms.ChoiceField(label=gettext_lazy("World region"), required=False,
                               choices=[("", gettext_lazy("All regions")), *Region.choices])
    drafts = forms.BooleanField(label=gettext_lazy("Include drafts"), required=False)

    def values(self) -> dict:
        """The filters to apply: the valid ones (a wrong value shows its error and is left out)."""
        if self.is_valid():
            return self.cleaned_data
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if name not in self.errors}


class SurveyStaffPage(StaffPermissionRequiredMixin):
    permission_required = VIEW_PERMISSION

    def get_survey(self):
        return get_object_or_404(Survey.objects.select_related("edition"), pk=self.kwargs["survey_id"])


class CurrentSurveyRedirectView(SurveyStaffPage, View):
    """The staff menu and the to-do page link here: the current edition's survey."""

    page = "results"

    def get(self, request):
        survey = results.current_survey()
        if survey is None:
            return render(request, "surveys/staff/no_survey.html")
        name = "surveys:staff_not_submitted" if self.page == "not_submitted" else "surveys:staff_survey_results"
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return HttpResponseRedirect(reverse(name, args=[survey.pk]) + query)


class ResultsView(SurveyStaffPage, TemplateView):
    template_name = "surveys/staff/results.html"

    def get_context_data(self, **kwargs):
        survey = self.get_survey()
        form = ResultsFilterForm(self.request.GET or None)
        filters = form.values() if self.request.GET else {}
        region, drafts = filters.get("region") or "", bool(filters.get("drafts"))
        portraits = results.portraits_in_scope(survey, include_drafts=drafts, region=region)
        overall, regions = results.response_rates(survey)
        query = urlencode({k: v for k, v in (("region", region), ("drafts", "1" if drafts else "")) if v})
        return super().get_context_data(
            survey=survey, surveys=Survey.objects.select_related("edition").order_by("-opens_at"), form=form,
            overall=overall, regions=regions, portrait_count=portraits.count(),
            questions=results.question_results(survey, portraits), filter_query=query,
            include_drafts=drafts, **kwargs)


class NotSubmittedView(SurveyStaffPage, TemplateView):
    template_name = "surveys/staff/not_submitted.html"

    def get_context_data(self, **kwargs):
        survey = self.get_survey()
        form = ResultsFilterForm(self.request.GET or None)
        region = (form.values() if self.request.GET else {}).get("region") or ""
        organisations = results.organisations_not_submitted(survey, region=region)
        page = Paginator(organisations, NOT_SUBMITTED_PAGE_SIZE).get_page(self.request.GET.get("page"))
        page.object_list = results.not_submitted_page(survey, page.object_list)
        return super().get_context_data(
            survey=survey, form=form, page=page, region=region,
            can_remind=self.request.user.has_perm(REMIND_PERMISSION), **kwargs)

    def post(self, request, survey_id):
        """Remind the ticked organisations (or every one listed, with "all")."""
        if not request.user.has_perm(REMIND_PERMISSION):
            raise PermissionDenied
        survey = self.get_survey()
        region = request.POST.get("region", "")
        back = reverse("surveys:staff_not_submitted", args=[survey.pk])
        if region and region not in Region.values:
            # "Every one listed" under a region that is not one: never every organisation of every region.
            messages.error(request, _("Nobody was reminded: the region is not one of the list's."))
            return HttpResponseRedirect(back)
        back += f"?region={region}" if region else ""
        if "all" in request.POST:
            ids = list(results.organisations_not_submitted(survey, region=region).values_list("pk", flat=True))
        else:
            ids = {int(raw) for raw in request.POST.getlist("organisation") if raw.isascii() and raw.isdigit()
                   and len(raw) < 10}
        if not ids:
            messages.error(request, _("Tick at least one organisation to remind."))
            return HttpResponseRedirect(back)
        outcome = staff_services.portraits_remind(survey=survey, organisation_ids=ids, by=request.user)
        if outcome.reminded:
            messages.success(request, ngettext(
                "Reminder queued for %(count)d organisation (%(emails)d emails).",
                "Reminder queued for %(count)d organisations (%(emails)d emails).", len(outcome.reminded))
                % {"count": len(outcome.reminded), "emails": outcome.emails})
        if outcome.already:
            messages.info(request, _("Already reminded today, not sent again: %(names)s.")
                          % {"names": ", ".join(o.name for o in outcome.already)})
        if outcome.skipped:
            messages.warning(request, _("Not reminded (portrait submitted, or no approved member): %(names)s.")
                             % {"names": ", ".join(o.name for o in outcome.skipped)})
        return HttpResponseRedirect(back)


class ExportView(SurveyStaffPage, View):
    """The portraits as CSV (streamed) or XLSX (write-only workbook in a temporary file, streamed)."""

    def get(self, request, survey_id):
        survey = self.get_survey()
        fmt = request.GET.get("format")
        form = ResultsFilterForm(request.GET)
        if fmt not in ("csv", "xlsx") or not form.is_valid():
            messages.error(request, _("Choose CSV or XLSX to export, with valid filters."))
            return HttpResponseRedirect(reverse("surveys:staff_survey_results", args=[survey.pk]))
        portraits = results.portraits_in_scope(survey, include_drafts=form.cleaned_data["drafts"],
                                               region=form.cleaned_data["region"])
        filename = f"portraits-{survey.edition.year}-{timezone.localdate():%Y-%m-%d}.{fmt}"
        return export_response(fmt, filename=filename, csv=lambda: exports.portrait_export_csv(survey, portraits),
                               xlsx=lambda: exports.portrait_export_xlsx(survey, portraits))


def register_staff_entries() -> None:
    """The "Survey results" staff page and the "Portraits not submitted" to-do item (SurveysConfig.ready)."""
    from community.staff import StaffPage, TodoItem, staff_pages, todo_registry

    staff_pages.register(StaffPage(
        key="survey-results", title=gettext_lazy("Survey results"), url_name="surveys:staff_results",
        permission=VIEW_PERMISSION,
        description=gettext_lazy("Response rates, charts per question, organisations that have not submitted, "
                                 "exports."),
        changelists=("surveys.survey", "surveys.portrait", "surveys.question"), order=20))
    todo_registry.register(TodoItem(
        key="portraits-not-submitted", title=gettext_lazy("Portraits not submitted"), permission=VIEW_PERMISSION,
        queryset=results.current_survey_not_submitted, url_name="surveys:staff_not_submitted_current",
        description=gettext_lazy("Organisations of the current survey without a submitted portrait: remind them."),
        order=50))
