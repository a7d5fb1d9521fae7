"""Peers pages: a member's suggested peers (after submitting) and the staff table of the closest pairs."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from community.staff import StaffPage, StaffPermissionRequiredMixin, staff_pages

from . import peers
from .models import Survey
from .views import PortraitMixin

STAFF_PAIRS_SHOWN = 100


class PeersView(PortraitMixin, View):
    """The member's suggested peers: only once their organisation's portrait is submitted."""

    def get(self, request, survey_id):
        self.setup_portrait()
        if not self.portrait.is_submitted:
            messages.info(request, _("Submit the portrait first: your peers are suggested from it."))
            return redirect("surveys:portrait", survey_id=self.survey.pk)
        rows = peers.suggested_rows(self.portrait)
        return self.render("surveys/peers.html", {"survey": self.survey, "portrait": self.portrait, "rows": rows})

    def post(self, request, survey_id):
        """Give or withdraw the organisation's consent to be suggested (and so to see its peers)."""
        self.setup_portrait()
        show = request.POST.get("show_to_peers") == "1"
        try:
            peers.portrait_show_to_peers_set(portrait=self.portrait, member=request.member, show=show)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("surveys:portrait", survey_id=self.survey.pk)
        if show:
            messages.success(request, _("Your organisation can now be suggested as a peer."))
        else:
            messages.success(request, _("Your organisation is no longer suggested as a peer."))
        return redirect("surveys:peers", survey_id=self.survey.pk)


class StaffPeersView(StaffPermissionRequiredMixin, TemplateView):
    """Staff: the closest pairs of submitted portraits of a survey, whatever their consent."""

    permission_required = "surveys.view_portrait"
    template_name = "surveys/staff_peers.html"

    def get_survey(self, surveys):
        wanted = self.request.GET.get("survey", "")
        if not wanted:
            return surveys[0] if surveys else None
        survey = next((s for s in surveys if str(s.pk) == wanted), None)
        if survey is None:
            raise Http404(_("No such survey."))
        return survey

    def get_context_data(self, **kwargs):
        surveys = list(Survey.objects.select_related("edition"))
        survey = self.get_survey(surveys)
        table = peers.staff_table(survey, limit=STAFF_PAIRS_SHOWN) if survey is not None else None
        pairs = table.pairs if table else []
        texts = peers.choice_texts(choice for pair in pairs for choice in pair.shared)
        rows = [{"pair": pair, "shared": peers.shared_texts(pair.shared, texts)} for pair in pairs]
        return super().get_context_data(
            surveys=surveys, survey=survey, rows=rows, submitted=table.submitted if table else 0,
            consenting=table.consenting if table else 0, shown=STAFF_PAIRS_SHOWN, **kwargs)


def register_staff_page() -> None:
    staff_pages.register(StaffPage(
        key="survey-peers", title=gettext_lazy("Peers"), url_name="surveys:staff_peers",
        permission="surveys.view_portrait",
        description=gettext_lazy("The organisations whose portraits share the most topics and challenges."),
        changelists=("surveys.portrait",), order=60,
    ))
