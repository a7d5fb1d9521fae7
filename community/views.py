from allauth.account.adapter import get_adapter
from allauth.account.views import ConfirmEmailView as AllauthConfirmEmailView
from allauth.account.views import SignupView as AllauthSignupView
from allauth.mfa.totp.views import ActivateTOTPView as AllauthActivateTOTPView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from mailings.services import preferences_path
from portal.i18n import page_language_chosen

from . import second_factor, selectors, services, steps
from .current_edition import current_edition
from .forms import ProfileForm
from .mixins import ApprovedMemberRequiredMixin
from .models import Member, Organisation

# The invitation link's token, from the link to the sign-up that uses it; only the views below touch it.
INVITATION_SESSION_KEY = "community_invitation_id"


class HomeView(TemplateView):
    template_name = "community/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(edition=current_edition(), **kwargs)


class PrivacyView(TemplateView):
    template_name = "community/privacy.html"


# Pages that only read: no transaction around them (ATOMIC_REQUESTS would wrap their reads in a
# BEGIN and a COMMIT, two more round trips on each member page for nothing to keep whole).
read_only = method_decorator(transaction.non_atomic_requests, name="dispatch")


@read_only
class DashboardView(ApprovedMemberRequiredMixin, TemplateView):
    template_name = "community/dashboard.html"

    def get_context_data(self, **kwargs):
        edition = current_edition()
        member = self.request.member
        return super().get_context_data(
            edition=edition,
            steps=steps.member_steps(member=member, edition=edition),
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


class OrganisationListView(ApprovedMemberRequiredMixin, TemplateView):
    """The member cities, each linking to its page: for approved members and staff who may see members."""

    template_name = "community/organisation_list.html"
    allow_staff = True

    def get_context_data(self, **kwargs):
        member = self.request.member
        if not ((member is not None and member.is_approved) or self.request.user.has_perm("community.view_member")):
            raise PermissionDenied
        return super().get_context_data(organisations=selectors.member_organisations(), **kwargs)


@read_only
class OrganisationDetailView(ApprovedMemberRequiredMixin, TemplateView):
    """An organisation's page with its approved members (names and job titles): see
    selectors.organisation_visible_to for who may open it."""

    template_name = "community/organisation_detail.html"
    allow_staff = True

    def get_organisation(self):
        member = self.request.member
        if member is not None and member.organisation_id == self.kwargs["pk"]:
            return member.organisation  # the member's own, read with them for this request (one query less)
        return get_object_or_404(Organisation, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        organisation = self.get_organisation()
        if not selectors.organisation_visible_to(organisation=organisation, member=self.request.member,
                                                 user=self.request.user):
            # 404, not 403: a proposed organisation's page does not even admit it exists.
            raise Http404
        colleagues = selectors.organisation_members(organisation=organisation)
        return super().get_context_data(organisation=organisation, colleagues=colleagues, **kwargs)


class MembershipStatusView(LoginRequiredMixin, TemplateView):
    """Where a pending or rejected member lands instead of a member page."""

    template_name = "community/membership_status.html"


def _invitation_unusable(request, reason: str):
    """The page for a link that cannot be used, with the reason (services.InvitationError)."""
    status = {"invalid": 400, "expired": 410, "replaced": 410, "used": 410}[reason]
    return render(request, "community/invitation_invalid.html", {"reason": reason}, status=status)


class InvitationAcceptView(View):
    """A staff invitation link: check it, then sign up with the address and organisation it fixes."""

    def get(self, request, token):
        try:
            invitation = services.membership_invitation_check(token)
        except services.InvitationError as error:
            return _invitation_unusable(request, error.reason)
        if request.user.is_authenticated:
            return render(request, "community/invitation_signed_in.html", {"invitation": invitation}, status=409)
        request.session[INVITATION_SESSION_KEY] = token
        # The link reached this inbox, so the address is verified: allauth skips the confirmation mail.
        get_adapter(request).stash_verified_email(request, invitation.email)
        return redirect("account_signup")


class SignupView(AllauthSignupView):
    """allauth's sign-up, which a pending staff invitation (kept in the session) pre-fills and locks."""

    def dispatch(self, request, *args, **kwargs):
        token = request.session.get(INVITATION_SESSION_KEY)
        self.invitation = None
        if token:
            try:
                self.invitation = services.membership_invitation_check(token)
            except services.InvitationError as error:
                # Used (another tab, a colleague), expired or replaced since the link was opened.
                request.session.pop(INVITATION_SESSION_KEY, None)
                return _invitation_unusable(request, error.reason)
            if not page_language_chosen(request):
                # In the invitation email's language, as the person read it, unless they picked another.
                translation.activate(self.invitation.language)
                request.LANGUAGE_CODE = self.invitation.language
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.invitation is not None:
            form.bind_invitation(self.invitation)
        return form

    def form_valid(self, form):
        try:
            # A savepoint: if the membership cannot be created, neither is the account.
            with transaction.atomic():
                if form.invitation is not None:
                    # Locked before the account is written: a second sign-up on the same link waits here.
                    form.invitation = services.membership_invitation_lock(form.invitation)
                response = super().form_valid(form)
        except services.InvitationError as error:
            self.request.session.pop(INVITATION_SESSION_KEY, None)
            return _invitation_unusable(self.request, error.reason)
        except (IntegrityError, OperationalError) as error:
            # The invitation's address was taken by a sign-up on the same link that committed first
            # (a database without row locks: SQLite answers "database is locked").
            if form.invitation is None or (isinstance(error, OperationalError) and "locked" not in str(error)):
                raise
            self.request.session.pop(INVITATION_SESSION_KEY, None)
            return _invitation_unusable(self.request, services.InvitationProblem.USED)
        except ValidationError as error:
            # The organisation named cannot be proposed: say so, nothing is half-created.
            form.add_error(None, error)
            return self.form_invalid(form)
        if form.invitation is not None:
            self.request.session.pop(INVITATION_SESSION_KEY, None)
        return response


class ConfirmEmailView(AllauthConfirmEmailView):
    """allauth's confirmation page, which says so when the link was already used (a second click)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.object:
            context["already_confirmed"] = selectors.email_confirmation_already_used(self.kwargs["key"])
        elif not page_language_chosen(self.request):
            # In the language of the email whose link was followed (the member's), unless they picked another.
            language = (Member.objects.filter(user_id=self.object.email_address.user_id)
                        .values_list("preferred_language", flat=True).first())
            if language:
                translation.activate(language)
                self.request.LANGUAGE_CODE = language
        return context


def _safe_next(request, url: str, default: str) -> str:
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else default


class SecondFactorSetupView(LoginRequiredMixin, TemplateView):
    """The first-time setup page a staff member without an authenticator is sent to from the admin."""

    template_name = "community/second_factor_setup.html"

    def get(self, request, *args, **kwargs):
        next_url = _safe_next(request, request.GET.get("next", ""), reverse("admin:index"))
        if second_factor.second_factor_enabled(request.user):
            return HttpResponseRedirect(next_url)
        request.session[second_factor.NEXT_SESSION_KEY] = next_url
        return super().get(request, *args, **kwargs)


@login_required
def second_factor_continue(request):
    """After the recovery codes: back to where the setup interrupted (the admin page), or home."""
    default = reverse("admin:index") if request.user.is_staff else reverse("mfa_index")
    return HttpResponseRedirect(_safe_next(request, request.session.pop(second_factor.NEXT_SESSION_KEY, ""), default))


class ActivateTOTPView(AllauthActivateTOTPView):
    """allauth's activation of an authenticator app; the valid code it takes also counts as this
    session's second factor, so a staff member is not asked for another code on the way back."""

    def form_valid(self, form):
        response = super().form_valid(form)
        second_factor.record_second_factor_activated(self.request)
        return response
