import functools
import json

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from import_export.admin import ImportExportModelAdmin

from portal.admin_display import escaped, short_date, truncated
from portal.admin_filters import ChoicesInUseFilter
from portal.admin_tools import (
    CheapActionCheckboxMixin,
    SafeChangelistMixin,
    SearchPageWithCountMixin,
    StreamedExportMixin,
)
from portal.import_ui import FriendlyImportMixin
from portal.imports import SafeImportMixin
from portal.numbers import grouped

from . import audit, exports, selectors, services
from .addresses import normalize_email
from .admin_filters import InvitationStateFilter
from .forms import MembershipInvitationForm, MergeOrganisationsForm, OrganisationAdminForm, RejectForm
from .models import (
    AuditEntry,
    Edition,
    Member,
    MembershipInvitation,
    MemberStatus,
    Organisation,
    OrganisationStatus,
    User,
)
from .proposed_organisations import proposed_organisation_choices
from .resources import MembershipInvitationResource, OrganisationResource
from .translated import TranslatedAdmin, all_language_columns

# Third-party admins are registered again with SafeChangelistMixin, like every admin of the portal
# (it allows only the lookups an admin declares; a system check refuses an admin without it).
admin.site.unregister(EmailAddress)
admin.site.unregister(Group)
admin.site.unregister(Authenticator)


@admin.register(Group)
class GroupAdmin(SafeChangelistMixin, DjangoGroupAdmin):
    pass


@admin.register(Authenticator)
class AuthenticatorAdmin(SafeChangelistMixin, AllauthAuthenticatorAdmin):
    # Its secrets (TOTP seed, recovery codes) are never shown or searchable: list and delete only.
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields


@admin.register(EmailAddress)
class EmailAddressAdmin(SafeChangelistMixin, AllauthEmailAddressAdmin):
    """allauth's admin offers "make verified" to anyone who may view addresses: it would let staff
    bypass email verification. Here it needs the change permission (the Secretariat has only view)."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class CanonicalEmailForm(form):
            def clean_email(self):
                # The one canonical form (community/addresses.py), as everywhere else.
                return normalize_email(self.cleaned_data["email"])

        return CanonicalEmailForm

    @admin.action(description=_("Mark as verified"), permissions=["change"])
    def make_verified(self, request, queryset):
        return super().make_verified(request, queryset)


@admin.register(User)
class UserAdmin(SafeChangelistMixin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


def _report(modeladmin, request, result, done_message):
    if result.decided:
        modeladmin.message_user(request, done_message % {"count": len(result.decided)}, messages.SUCCESS)
    for member, reason in result.skipped:
        modeladmin.message_user(request, _skip_message(member, reason), messages.WARNING)


def _skip_message(member, reason):
    organisation = member.organisation
    if organisation.status == OrganisationStatus.PROPOSED and member.status == MemberStatus.PENDING:
        # Skipped because the organisation awaits confirmation: link to it, where staff can act.
        link = format_html(
            '<a href="{}">{}</a>', reverse("admin:community_organisation_change", args=[organisation.pk]),
            organisation.name,
        )
        return format_html(
            gettext("{member} was skipped: its organisation {organisation} awaits confirmation. Confirm it there "
                    "(the action “Confirm selected organisations and approve their members” does both) or merge "
                    "it into an existing one."),
            member=str(member), organisation=link,
        )
    return _("%(member)s was skipped: %(reason)s.") % {"member": member, "reason": reason.label}


def email_verified():
    """Whether the member's login address is verified: allauth (ACCOUNT_EMAIL_VERIFICATION =
    "mandatory") lets nobody log in before it is. A subquery, so the list's query count stays flat.

    A scalar subquery (LIMIT 1), not EXISTS: PostgreSQL turns an EXISTS into a hash of every
    verified address joined to every user (27 ms at 20,000 members) even for the 100 rows shown;
    this one looks up each shown row's addresses by index. The user's address is read inside it, so
    the list's count reads the members alone, not joined to their users."""
    verified = EmailAddress.objects.filter(user_id=OuterRef("user_id"), email__iexact=F("user__email"), verified=True)
    return Coalesce(Subquery(verified.values("verified")[:1]), False, output_field=BooleanField())


def _report_unverified(modeladmin, request, members):
    unverified = Member.objects.filter(pk__in=[m.pk for m in members]).annotate(verified=email_verified()).filter(
        verified=False
    ).select_related("user")
    for member in unverified:
        modeladmin.message_user(
            request,
            _("%(member)s has not confirmed their email address yet: the membership is approved and the email "
              "saying so is on its way, but they can log in only once they confirm the address (with the link "
              "sent at sign-up, or the new one that trying to log in sends them).") % {"member": member},
            messages.WARNING,
        )


class OrganisationFilter(admin.SimpleListFilter):
    """Lists only the organisations awaiting confirmation (where staff act) and the one chosen, not
    every organisation (2,000 links, one query over all members): any other one is reached from the
    members count in the organisations' list, which links here."""

    title = _("organisation")
    parameter_name = "organisation__id__exact"

    def lookups(self, request, model_admin):
        proposed = proposed_organisation_choices()  # from the cache
        value = self.value() or ""
        if not value.isdigit() or len(value) > 18 or any(pk == value for pk, _label in proposed):
            return proposed
        # The one chosen (from the organisations' list) first, shown as chosen.
        chosen = Organisation.objects.filter(pk=int(value)).only("name", "country").first()
        return proposed if chosen is None else [(str(chosen.pk), str(chosen)), *proposed]

    def has_output(self):
        # A filter without output is dropped silently: a bad value must reach queryset() instead.
        return self.value() is not None or super().has_output()

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit() or len(value) > 18:
            # The changelist then says the filter is wrong (Django does not catch a filter's errors).
            raise IncorrectLookupParameters(value)
        return queryset.filter(organisation_id=value)


@admin.register(Member)
class MemberAdmin(SearchPageWithCountMixin, CheapActionCheckboxMixin, SafeChangelistMixin, StreamedExportMixin,
                  admin.ModelAdmin):
    change_list_template = "admin/community/member/change_list.html"
    # Status and date first (visible at 1280 px without scrolling); the region is a filter.
    list_display = ["full_name", "status", "joined", "email_verified", "short_organisation"]
    # No date hierarchy (it reads the dates of every member on each page): a date filter instead.
    list_filter = ["status", "organisation__region", OrganisationFilter, "preferred_language", "joined_at"]
    # Searched by selectors.members_matching (get_search_results below), with PostgreSQL's indexes.
    search_fields = ["user__email", "user__first_name", "user__last_name", "organisation__name", "job_title"]
    list_select_related = ["user", "organisation"]
    readonly_fields = ["user", "status", "status_changed_at", "status_changed_by", "rejection_reason",
                       "privacy_notice_version", "privacy_consented_at", "joined_at"]
    fields = ["user", "organisation", "job_title", "preferred_language", "time_zone", "status",
              "status_changed_at", "status_changed_by", "rejection_reason", "privacy_notice_version",
              "privacy_consented_at", "joined_at"]
    actions = ["approve", "reject"]
    # Newest first, read from an index (community.Member's Meta): the people staff approve. Sorting
    # 20,000 rows by name across the user table took 140 ms on each page.
    ordering = ["-joined_at", "-pk"]
    # The total of every member is one more count of the whole table on each page.
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        return selectors.members_matching(queryset=queryset, search=search_term), False

    export_name = "members"

    def export_csv(self, queryset):
        return exports.member_export_csv(queryset)

    def export_xlsx(self, queryset):
        return exports.member_export_xlsx(queryset)

    @admin.display(description=_("name and email"), ordering="user__last_name")
    def full_name(self, obj):
        # One cell, two lines: the list keeps its status column on screen at 1280 px.
        return SafeString(f"{truncated(obj.full_name)}<br>{truncated(obj.user.email, css_class='portal-quiet')}")

    @admin.display(description=_("joined"), ordering="joined_at")
    def joined(self, obj):
        return short_date(obj.joined_at)

    @admin.display(description=_("organisation"), ordering="organisation__name")
    def short_organisation(self, obj):
        return truncated(str(obj.organisation))


    @admin.display(description=_("email verified"), boolean=True, ordering="email_verified")
    def email_verified(self, obj):
        return obj.email_verified

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(email_verified=email_verified())

    def has_add_permission(self, request):
        return False  # people sign up, or staff invite them

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # Move people only into confirmed organisations (or leave them where they are).
        current = obj.organisation_id if obj else None
        form.base_fields["organisation"].queryset = Organisation.objects.filter(
            Q(status=OrganisationStatus.MEMBER) | Q(pk=current)
        )
        return form

    def save_model(self, request, obj, form, change):
        # A move of organisation goes through the service, which tells the apps above.
        if change and "organisation" in form.changed_data:
            new_organisation = obj.organisation
            obj.organisation_id = form.initial["organisation"]
            super().save_model(request, obj, form, change)
            services.member_organisation_change(member=obj, organisation=new_organisation, by=request.user)
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Approve selected memberships (and email them)"), permissions=["change"])
    def approve(self, request, queryset):
        result = services.members_approve(members=list(queryset), by=request.user)
        _report(self, request, result, _("%(count)d membership(s) approved."))
        _report_unverified(self, request, result.decided)

    @admin.action(description=_("Reject selected memberships (and email them)"), permissions=["change"])
    def reject(self, request, queryset):
        if "apply" in request.POST:
            form = RejectForm(request.POST)
            if form.is_valid():
                result = services.members_reject(
                    members=list(queryset), by=request.user, reason=form.cleaned_data["reason"]
                )
                _report(self, request, result, _("%(count)d membership(s) rejected."))
                return None
        else:
            form = RejectForm()
        return TemplateResponse(
            request,
            "admin/community/member/reject.html",
            {**self.admin_site.each_context(request), "title": _("Reject memberships"), "form": form,
             "members": queryset.select_related("user", "organisation"), "opts": self.model._meta,
             "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME},
        )


@functools.lru_cache(maxsize=1024)
def _country_name(code, language):
    """A country's name in the page's language, looked up once (django-countries translates it at each read)."""
    return countries.name(code)


@functools.cache
def _member_list_url(script_prefix):
    """Reversed once per prefix, not for each of a list's 100 rows."""
    return reverse("admin:community_member_changelist")


@admin.register(Organisation)
class OrganisationAdmin(CheapActionCheckboxMixin, SafeChangelistMixin, FriendlyImportMixin, SafeImportMixin,
                        ImportExportModelAdmin):
    resource_classes = [OrganisationResource]
    form = OrganisationAdminForm
    list_display = ["short_name", "status", "member_count", "country_name", "kind", "population_grouped"]
    list_display_links = ["short_name"]
    # Only the countries in use (not ~250), under their names.
    list_filter = ["status", "region", "kind", ("country", ChoicesInUseFilter)]
    search_fields = ["name", "website"]
    actions = ["confirm", "confirm_and_approve", "make_former", "merge"]

    def get_readonly_fields(self, request, obj=None):
        # The status changes only through the actions (services.py), which write the audit log.
        return ["status"] if obj is not None else []

    show_full_result_count = False

    def get_queryset(self, request):
        # A subquery, not Count() over a join: the page's count then needs no GROUP BY over every
        # member, and the count is computed for the 100 rows shown only.
        counts = (Member.objects.filter(organisation=OuterRef("pk")).order_by().values("organisation")
                  .annotate(n=Count("pk")).values("n"))
        return super().get_queryset(request).annotate(
            member_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0)
        )

    @admin.display(description=_("name"), ordering="name")
    def short_name(self, obj):
        return truncated(obj.name)

    @admin.display(description=_("population"), ordering="population")
    def population_grouped(self, obj):
        return grouped(obj.population) or "—"

    @admin.display(description=_("country"), ordering="country")
    def country_name(self, obj):
        # The admin would build django-countries' 250 choices for every row (0.3 s a page).
        return _country_name(obj.country_code, get_language())

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        # The way to an organisation's members: the members' list keeps no filter of every organisation.
        return SafeString(f'<a href="{escaped(_member_list_url(get_script_prefix()))}?organisation__id__exact='
                          f'{escaped(obj.pk)}">{escaped(obj.member_count)}</a>')

    @admin.action(description=_("Confirm selected proposed organisations"), permissions=["change"])
    def confirm(self, request, queryset):
        count = services.organisations_confirm(organisations=list(queryset), by=request.user)
        self.message_user(request, ngettext("%d organisation confirmed.", "%d organisations confirmed.", count) % count)

    @admin.action(description=_("Mark selected organisations as former members"), permissions=["change"])
    def make_former(self, request, queryset):
        count = services.organisations_make_former(organisations=list(queryset), by=request.user)
        self.message_user(request, ngettext("%d organisation marked as a former member.",
                                            "%d organisations marked as former members.", count) % count)
    @admin.action(description=_("Confirm selected organisations and approve their members (and email them)"),
                  permissions=["confirm_and_approve"])
    def confirm_and_approve(self, request, queryset):
        confirmed, result = services.organisations_confirm_and_approve_members(
            organisations=list(queryset), by=request.user
        )
        self.message_user(
            request, ngettext("%d organisation confirmed.", "%d organisations confirmed.", confirmed) % confirmed
        )
        _report(self, request, result, _("%(count)d membership(s) approved."))
        _report_unverified(self, request, result.decided)

    def has_confirm_and_approve_permission(self, request):
        # It approves members too: the permission to change organisations alone is not enough.
        return self.has_change_permission(request) and request.user.has_perm("community.change_member")

    @admin.action(description=_("Merge selected proposed organisations into another"), permissions=["change"])
    def merge(self, request, queryset):
        organisations = list(queryset)
        if "apply" in request.POST:
            form = MergeOrganisationsForm(request.POST, organisations=organisations)
            if form.is_valid():
                try:
                    count = services.organisations_merge(
                        sources=organisations, target=form.cleaned_data["target"], by=request.user
                    )
                except ValidationError as error:
                    self.message_user(request, "; ".join(error.messages), messages.ERROR)
                    return None
                self.message_user(request, _("%(count)d organisation(s) merged into %(target)s.")
                                  % {"count": count, "target": form.cleaned_data["target"]})
                return None
        else:
            form = MergeOrganisationsForm(organisations=organisations)
        return TemplateResponse(
            request,
            "admin/community/organisation/merge.html",
            {**self.admin_site.each_context(request), "title": _("Merge organisations"), "form": form,
             "organisations": organisations, "opts": self.model._meta,
             "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME},
        )


class _InvitedMeanwhile(Exception):
    pass


@admin.register(MembershipInvitation)
class MembershipInvitationAdmin(SafeChangelistMixin, FriendlyImportMixin, SafeImportMixin, ImportExportModelAdmin):
    resource_classes = [MembershipInvitationResource]
    list_display = ["short_email", "state", "created", "accepted", "short_organisation"]
    list_display_links = ["short_email"]
    list_filter = [InvitationStateFilter, ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["email", "first_name", "last_name", "organisation__name"]
    list_select_related = ["organisation", "invited_by"]
    # A plain select, not autocomplete_fields: Django's autocomplete widget raises (500) when it
    # re-renders a form whose submitted organisation is not a number (tests/test_no_500.py).
    fields = ["email", "first_name", "last_name", "organisation", "language"]
    form = MembershipInvitationForm
    actions = ["send_again"]

    @admin.display(description=_("email"), ordering="email")
    def short_email(self, obj):
        return truncated(obj.email)

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj):
        return short_date(obj.created_at)

    @admin.display(description=_("accepted"), ordering="accepted_at")
    def accepted(self, obj):
        return short_date(obj.accepted_at)

    @admin.display(description=_("state"), ordering="accepted_at")
    def state(self, obj):
        return _("Accepted") if obj.accepted_at else _("Pending (not used yet)")

    @admin.display(description=_("organisation"), ordering="organisation__name")
    def short_organisation(self, obj):
        return truncated(str(obj.organisation))

    @admin.action(description=_("Send the invitation again (a new link)"), permissions=["add"])
    def send_again(self, request, queryset):
        sent = services.membership_invitations_resend(invitations=list(queryset), by=request.user)
        self.message_user(request, ngettext("%d invitation sent again.", "%d invitations sent again.", sent) % sent)
        if sent < len(queryset):
            self.message_user(request, _("Invitations already used were not sent again."), messages.WARNING)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["email", "first_name", "last_name", "organisation", "language", "invited_by", "created_at",
                "accepted_at", "member"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return self.get_readonly_fields(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["organisation"].queryset = Organisation.objects.confirmed()
        return form

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except _InvitedMeanwhile:
            # Two staff invited the same address at once and the other one's is saved: everything of
            # this attempt is rolled back (no "added" message, no log entry). Show the form again;
            # its check now finds the other invitation and says so next to the address.
            return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            saved = services.membership_invite(
                email=obj.email, organisation=obj.organisation, by=request.user,
                first_name=obj.first_name, last_name=obj.last_name, language=obj.language,
            )
        except ValidationError as error:
            raise _InvitedMeanwhile from error  # the form's clean() passed a moment ago
        obj.pk = saved.pk
        obj.created_at = saved.created_at


@admin.register(Edition)
class EditionAdmin(SafeChangelistMixin, TranslatedAdmin):
    # TranslatedAdmin adds a "missing translations" column and filter, and groups each text's languages.
    list_display = ["year", "theme", "status"]
    list_filter = ["status"]
    search_fields = all_language_columns("theme", "description")
    actions = ["copy_to_next_year"]

    @admin.action(description=_("Start next year's edition as a copy of this one"), permissions=["add"])
    def copy_to_next_year(self, request, queryset):
        for source in queryset:
            try:
                edition = services.edition_copy(source=source, by=request.user)
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, _("Edition %(edition)s created as a draft.") % {"edition": edition})



class AuditActionFilter(admin.SimpleListFilter):
    """The actions every app registered (community.audit), not only those already in the log."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return audit.actions()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditActorFilter(admin.SimpleListFilter):
    """Staff accounts (a short list), not a scan of the whole log for the distinct actors."""

    title = _("who")
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        return [("none", _("Nobody (the system)"))] + [
            (str(user.pk), str(user)) for user in User.objects.filter(is_staff=True).order_by("email")
        ]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(actor__isnull=True)
        if self.value() and self.value().isdigit() and len(self.value()) < 19:
            return queryset.filter(actor_id=int(self.value()))
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(SafeChangelistMixin, admin.ModelAdmin):
    """Read-only for everyone, superusers included: entries are written by the services only."""

    list_display = ["created_at", "actor_repr", "action_label", "target_type", "target_repr", "reason"]
    list_filter = [AuditActionFilter, AuditActorFilter, ("target_type", admin.RelatedOnlyFieldListFilter),
                   ("created_at", admin.DateFieldListFilter)]
    search_fields = ["target_repr", "actor_repr", "reason"]
    list_select_related = ["target_type"]
    fields = ["created_at", "actor", "actor_repr", "action_label", "target_type", "target_id", "target_repr",
              "before_json", "after_json", "reason"]
    readonly_fields = fields
    show_full_result_count = False  # no second COUNT(*) over a long log

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, obj):
        return audit.action_label(obj.action)

    @admin.display(description=_("before"))
    def before_json(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.before, indent=2, ensure_ascii=False, sort_keys=True))

    @admin.display(description=_("after"))
    def after_json(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.after, indent=2, ensure_ascii=False, sort_keys=True))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
