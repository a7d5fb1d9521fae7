from allauth.account.adapter import get_adapter
from allauth.account.views import ConfirmEmailView as AllauthConfirmEmailView
from allauth.account.views import SignupView as AllauthSignupView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from mailings.services import preferences_path

from . import selectors, services
from .forms import INVITATION_SESSION_KEY, ProfileForm
from .mixins import ApprovedMemberRequiredMixin
from .models import Edition, Organisation


class HomeView(TemplateView):
    template_name = "community/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(edition=Edition.objects.current(), **kwargs)


class PrivacyView(TemplateView):
    template_name = "community/privacy.html"


class DashboardView(ApprovedMemberRequiredMixin, TemplateView):
    template_name = "community/dashboard.html"

    def get_context_data(self, **kwargs):
        edition = Edition.objects.current()
        member = self.request.member
        return super().get_context_data(
            edition=edition,
            steps=selectors.member_next_steps(member=member, edition=edition),
            **kwargs,
        )


class ProfileView(ApprovedMemberRequiredMixin, FormView):
    template_name = "community/profile.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(email_preferences_url=preferences_path(self.request.user.email), **kwargs)

    def get_form(self, form_class=None):
        data = self.request.POST if self.request.method == "POST" else None
        return ProfileForm.for_member(self.request.member, data=data)

    def form_valid(self, form):
        services.member_update_profile(member=self.request.member, **form.cleaned_data)
        messages.success(self.request, _("Your profile has been saved."))
        return redirect("community:profile")


class OrganisationDetailView(ApprovedMemberRequiredMixin, TemplateView):
    """An organisation's page with its members: for its own members and for staff."""

    template_name = "community/organisation_detail.html"
    allow_staff = True

    def get_context_data(self, **kwargs):
        organisation = get_object_or_404(Organisation, pk=self.kwargs["pk"])
        member = self.request.member
        is_own = member is not None and member.is_approved and member.organisation_id == organisation.pk
        # Staff see it when their role lets them see members (a reviewer's does not).
        if not (is_own or self.request.user.has_perm("community.view_member")):
            # 404, not 403: another organisation's page does not even admit it exists.
            raise Http404
        colleagues = selectors.organisation_members(organisation=organisation)
        return super().get_context_data(organisation=organisation, colleagues=colleagues, **kwargs)


class MembershipStatusView(LoginRequiredMixin, TemplateView):
    """Where a pending or rejected member lands instead of a member page."""

    template_name = "community/membership_status.html"


class InvitationAcceptView(View):
    """A staff invitation link: check it, then sign up with the address and organisation it fixes."""

    def get(self, request, token):
        try:
            invitation = services.membership_invitation_check(token)
        except services.InvitationError as error:
            status = {"invalid": 400, "expired": 410, "used": 410}[error.reason]
            return render(request, "community/invitation_invalid.html", {"reason": error.reason}, status=status)
        if request.user.is_authenticated:
            return render(request, "community/invitation_signed_in.html", {"invitation": invitation}, status=409)
        request.session[INVITATION_SESSION_KEY] = token
        # The link reached this inbox, so the address is verified: allauth skips the confirmation mail.
        get_adapter(request).stash_verified_email(request, invitation.email)
        return redirect("account_signup")


class SignupView(AllauthSignupView):
    """allauth's sign-up, which a pending staff invitation (kept in the session) pre-fills and locks."""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        token = self.request.session.get(INVITATION_SESSION_KEY)
        if token:
            try:
                form.bind_invitation(services.membership_invitation_check(token))
            except services.InvitationError:
                self.request.session.pop(INVITATION_SESSION_KEY, None)
        return form

    def form_valid(self, form):
        try:
            # A savepoint: if the membership cannot be created, neither is the account.
            with transaction.atomic():
                return super().form_valid(form)
        except ValidationError as error:
            # The invitation was used in between (two tabs): say so, nothing is half-created.
            form.add_error(None, error)
            return self.form_invalid(form)


EMAILS_STAY_IN = {
    "en": gettext_lazy("Your emails stay in English."),
    "fr": gettext_lazy("Your emails stay in French."),
    "es": gettext_lazy("Your emails stay in Spanish."),
}


class ConfirmEmailView(AllauthConfirmEmailView):
    """allauth's confirmation page, which says so when the link was already used (a second click)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.object:
            context["already_confirmed"] = selectors.email_confirmation_already_used(self.kwargs["key"])
        return context


@require_POST
def set_language(request):
    """Switch the language of the pages (a cookie), never that of a member's emails.

    Someone may look at the portal in another language without wanting their emails to change: the
    emails' language is the member's own setting on the profile page. A note says so when they differ.
    """
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    allowed_hosts = {request.get_host()}
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts=allowed_hosts, require_https=request.is_secure()
    ):
        next_url = "/"
    # A path, never a view name: redirect() would try to reverse whatever was posted.
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    member = request.member
    if member is not None and member.preferred_language != language:
        with translation.override(language):
            # In the page's new language; one sentence per language, as each reads its own way.
            note = str(EMAILS_STAY_IN[member.preferred_language])
            if member.is_approved:
                note = format_html(
                    "{} " + _('You can change this on <a href="{url}">your profile</a>.'),
                    note,
                    url=reverse("community:profile"),
                )
            messages.info(request, note)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@never_cache
@transaction.non_atomic_requests  # a dead database must give 503, not fail opening the transaction
def healthz(request):
    """200 when the database (and the broker, when one is configured) answer; 503 otherwise."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure is a failed check
        checks["database"] = f"error: {error.__class__.__name__}"
    if settings.CELERY_BROKER_URL:
        from config.celery_app import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as error:  # noqa: BLE001
            checks["broker"] = f"error: {error.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
