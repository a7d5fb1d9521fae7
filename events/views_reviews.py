"""The reviewers' staff pages ("My reviews", the review of one application) and the secretariat's
page that assigns reviewers in bulk. Under /staff/, so the staff second factor guards them. Thin:
the rules are in events/reviews.py."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView

from community.staff import StaffPermissionRequiredMixin
from portal.numbers import decimal_input

from . import reviews
from .models import ApplicationStatus, Event, EventKind, Review


def add_errors(form, error: ValidationError) -> None:
    """The service's errors on the form: under their field when it has one, else at the top."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for key, errors in by_field.items():
        form.add_error(key if key in form.fields else None, errors)


SCORE_CHOICES = [(str(value), str(value)) for value in range(reviews.SCORE_MIN, reviews.SCORE_MAX + 1)]


# ------------------------------------------------------------------------------ reviewers
class MyReviewsView(StaffPermissionRequiredMixin, TemplateView):
    """The reviewer's assignments and their state (two queries whatever their number)."""

    permission_required = reviews.SCORE_PERMISSION
    template_name = "events/days/review/my_reviews.html"

    def get_context_data(self, **kwargs):
        rows = [(review, reviews.review_state(review)) for review in reviews.my_reviews(self.request.user)]
        to_do = sum(state == reviews.ReviewState.TO_DO for _review, state in rows)
        return super().get_context_data(rows=rows, to_do=to_do, states=reviews.ReviewState, **kwargs)


class ReviewForm(forms.Form):
    """One 1-5 choice per criterion of the event, and the comment. The service checks the values
    (every criterion, whole numbers 1 to 5); this form only carries them."""

    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=gettext_lazy("What the secretariat should know: strengths, doubts."))

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[self.key(criterion)] = forms.CharField(
                label=criterion.name, required=False, widget=forms.RadioSelect(choices=SCORE_CHOICES))

    @staticmethod
    def key(criterion) -> str:
        return f"criterion_{criterion.pk}"

    def scores(self) -> dict[int, str]:
        return {criterion.pk: self.cleaned_data.get(self.key(criterion)) for criterion in self.criteria}

    def criterion_fields(self):
        return [(criterion, self[self.key(criterion)]) for criterion in self.criteria]


class ReviewView(StaffPermissionRequiredMixin, View):
    """The application assigned to this reviewer (not the other reviews) and their scores. Another
    reviewer's assignment, or none, is a 404; their own organisation's a 403."""

    permission_required = reviews.SCORE_PERMISSION
    template_name = "events/days/review/review.html"

    def get_review(self) -> Review:
        review = get_object_or_404(
            Review.objects.select_related("application__event", "application__member__user",
                                          "application__member__organisation"),
            application_id=self.kwargs["application_id"], reviewer=self.request.user)
        reviews.review_check_reader(review, self.request.user)
        return review

    def render(self, review, form, status=200):
        return render(self.request, self.template_name, {
            "review": review, "application": review.application, "form": form,
            "open": reviews.reviews_open(review.application)}, status=status)

    def get(self, request, application_id):
        review = self.get_review()
        initial = {f"criterion_{score.criterion_id}": str(score.value) for score in review.scores.all()}
        initial["comment"] = review.comment
        return self.render(review, ReviewForm(initial=initial, criteria=list(review.application.event.criteria.all())))

    def post(self, request, application_id):
        review = self.get_review()
        form = ReviewForm(request.POST, criteria=list(review.application.event.criteria.all()))
        if form.is_valid():
            try:
                saved = reviews.review_save(review=review, scores=form.scores(),
                                            comment=form.cleaned_data["comment"], by=request.user)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Your review of %(member)s is saved (weighted score %(score)s).")
                                 % {"member": review.application.member.full_name,
                                    "score": decimal_input(saved.weighted_score)})
                return HttpResponseRedirect(reverse("events:my_reviews"))
        return self.render(review, form)


# ------------------------------------------------------------------------------ the secretariat
class ReviewerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        organisation = reviews.reviewer_organisation_id(user) and user.member.organisation
        name = user.get_full_name() or user.email
        return f"{name} ({organisation.name})" if organisation else name


class AssignForm(forms.Form):
    event = forms.ModelChoiceField(label=gettext_lazy("Event"), queryset=Event.objects.none())
    reviewers = ReviewerChoiceField(label=gettext_lazy("Reviewers"), queryset=reviews.reviewers(),
                                    widget=forms.CheckboxSelectMultiple)
    per_application = forms.IntegerField(
        label=gettext_lazy("Reviewers per application"), min_value=1, max_value=reviews.MAX_PER_APPLICATION,
        initial=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = Event.objects.filter(kind=EventKind.IN_PERSON).order_by("-starts_at")
        self.fields["reviewers"].queryset = reviews.reviewers()


class AssignView(StaffPermissionRequiredMixin, View):
    """Assign the reviewers ticked to every submitted application of the event, N each, evenly."""

    permission_required = reviews.ASSIGN_PERMISSION
    template_name = "events/days/review/assign.html"

    def current_event(self):
        events = Event.objects.filter(kind=EventKind.IN_PERSON).order_by("-starts_at")
        raw = self.request.GET.get("event", "")
        if raw.isascii() and raw.isdigit() and len(raw) < 10:
            return get_object_or_404(events, pk=int(raw))
        return events.first()

    def render(self, form, event, status=200):
        reviewer_list = list(reviews.reviewers())
        loads = reviews.review_loads(event) if event else {}
        rows = [(user, loads.get(user.pk, {"assigned": 0, "scored": 0})) for user in reviewer_list]
        submitted = event.applications.filter(status=ApplicationStatus.SUBMITTED).count() if event else 0
        return render(self.request, self.template_name, {
            "form": form, "event": event, "rows": rows, "submitted": submitted}, status=status)

    def get(self, request):
        event = self.current_event()
        form = AssignForm(initial={"event": event, "reviewers": list(reviews.reviewers()), "per_application": 2})
        return self.render(form, event)

    def post(self, request):
        form = AssignForm(request.POST)
        if not form.is_valid():
            return self.render(form, form.cleaned_data.get("event") or self.current_event())
        event = form.cleaned_data["event"]
        number = form.cleaned_data["per_application"]
        try:
            outcome = reviews.reviews_assign(event=event, reviewers=form.cleaned_data["reviewers"],
                                             per_application=number, by=request.user)
        except ValidationError as error:
            add_errors(form, error)
            return self.render(form, event)
        messages.success(request, ngettext("%(count)d review assigned.", "%(count)d reviews assigned.",
                                           outcome.created) % {"count": outcome.created})
        if outcome.short:
            messages.warning(request, ngettext(
                "%(count)d application has fewer than %(number)d reviewers (not enough reviewers outside its "
                "organisation): %(names)s.",
                "%(count)d applications have fewer than %(number)d reviewers (not enough reviewers outside their "
                "organisation): %(names)s.", len(outcome.short)) % {
                "count": len(outcome.short), "number": number,
                "names": "; ".join(f"{application.member.full_name}, {application.member.organisation.name} "
                                   f"({got}/{number})" for application, got in outcome.short)})
        return HttpResponseRedirect(f"{reverse('events:reviews_assign')}?event={event.pk}")


def register_staff_entries() -> None:
    """"My reviews" for reviewers, "Assign reviewers" for the secretariat (EventsConfig.ready)."""
    from community.staff import StaffPage, staff_pages

    staff_pages.register(StaffPage(
        key="my-reviews", title=gettext_lazy("My reviews"), url_name="events:my_reviews",
        permission=reviews.SCORE_PERMISSION,
        description=gettext_lazy("The City Managers Days applications assigned to you: score them."), order=60))
    staff_pages.register(StaffPage(
        key="reviews-assign", title=gettext_lazy("Assign reviewers"), url_name="events:reviews_assign",
        permission=reviews.ASSIGN_PERMISSION,
        description=gettext_lazy("Give each City Managers Days application its reviewers, evenly, never from the "
                                 "applicant's organisation; see how far each reviewer is."),
        changelists=("events.event", "events.review", "events.criterion"), order=61))
