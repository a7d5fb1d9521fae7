import json

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.forms.utils import flatatt
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.functional import lazy
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from . import services, timezones
from .models import (
    DUPLICATE_ORGANISATION_MESSAGE,
    Member,
    MembershipInvitation,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Region,
)


class TimeZoneSelect(forms.Select):
    """The curated time zones (community.timezones), grouped by area, with the old spellings a browser
    may report for portal.js. Django's Select renders a template per option, 80 ms or more for this
    list on every profile and sign-up page: the options are escaped once per language and kept."""

    _options_html: dict[str, str] = {}

    @classmethod
    def _options(cls) -> str:
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language not in cls._options_html:
            groups = [format_html('<option value="{}">{}</option>', timezones.UTC, timezones.choices()[0][1])]
            for area, items in timezones.GROUPED_ZONES:
                groups.append(format_html(
                    '<optgroup label="{}">{}</optgroup>', timezones.AREAS[area],
                    mark_safe("".join(format_html('<option value="{}">{}</option>', zone, label)  # noqa: S308
                                      for zone, label in items)),
                ))
            cls._options_html[language] = "".join(groups)
        return cls._options_html[language]

    def render(self, name, value, attrs=None, renderer=None):
        selected = str(value[0] if isinstance(value, list | tuple) and value else value or "")
        options = self._options()
        if selected:
            option = f'<option value="{escape(selected)}">'
            options = options.replace(option, option.replace("<option ", "<option selected ", 1), 1)
        # portal.js preselects the browser's zone; an old spelling ("Asia/Calcutta") maps to the listed one.
        aliases = json.dumps(timezones.ALIASES, separators=(",", ":"))
        attrs = {**self.build_attrs(self.attrs, attrs), "name": name, "data-time-zone-aliases": aliases}
        return format_html("<select{}>{}</select>", flatatt(attrs),
                           mark_safe(options))  # noqa: S308 - each option was escaped by format_html above


class OrganisationChoiceField(forms.ModelChoiceField):
    """The confirmed organisations in reading order, between "Choose your organisation" and
    "My organisation is not in the list" (value ``NEW``, cleaned to ``PROPOSE_NEW``)."""

    NEW = "new"
    PROPOSE_NEW = object()

    class Iterator(forms.models.ModelChoiceIterator):
        def __iter__(self):
            if self.field.empty_label is not None:
                yield ("", self.field.empty_label)
            for organisation in sorted(self.queryset, key=lambda o: timezones.reading_key(o.name)):
                yield self.choice(organisation)
            if self.field.allow_new:
                yield (self.field.NEW, _("My organisation is not in the list"))

        def __len__(self):
            return self.queryset.count() + (self.field.empty_label is not None) + self.field.allow_new

    iterator = Iterator

    def __init__(self, *args, allow_new=True, **kwargs):
        self.allow_new = allow_new
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if self.allow_new and value == self.NEW:
            return self.PROPOSE_NEW
        return super().to_python(value)


class TimeZoneField(forms.ChoiceField):
    """The curated zones; an old spelling of one of them ("Asia/Calcutta") is taken as that zone."""

    widget = TimeZoneSelect

    def __init__(self, **kwargs):
        super().__init__(choices=timezones.choices, **kwargs)

    def to_python(self, value):
        return timezones.canonical(super().to_python(value))


def _if_new(label):
    """The label of a field required only when proposing an organisation, saying so."""
    return format_html('{} <span class="fw-normal text-body-secondary">{}</span>', label,
                       _("(required if your organisation is not in the list)"))


def _privacy_label():
    # One sentence for translators, the link inside it.
    sentence = _('I have read and accept the <a href="%(url)s" target="_blank" rel="noopener">privacy notice</a>.')
    return format_html(sentence.replace("%(url)s", "{url}"), url=reverse_lazy("community:privacy"))


class MemberPreferencesFields(forms.Form):
    """Fields a member fills in at sign-up and can change later on their profile."""

    job_title = forms.CharField(label=_("Job title"), max_length=200)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=settings.LANGUAGES,
        help_text=_("The portal and its emails use this language."),
    )
    time_zone = TimeZoneField(
        label=_("Time zone"),
        help_text=_("Dates and times are shown in this time zone."),
    )


class SignupForm(MemberPreferencesFields):
    """Extra fields of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.confirmed(),
        empty_label=_("Choose your organisation"),
        error_messages={"required": _("Choose your organisation, or “My organisation is not in the list”.")},
        help_text=_("The member city, metropolitan area or government you work for."),
    )
    new_organisation_name = forms.CharField(
        label=lazy(_if_new, str)(_("Name of your organisation")), max_length=200, required=False,
        help_text=_("The secretariat confirms it."),
    )
    new_organisation_country = forms.ChoiceField(
        label=lazy(_if_new, str)(_("Country")),
        choices=lazy(lambda: [("", _("Choose a country")), *countries], list)(), required=False,
    )
    new_organisation_region = forms.ChoiceField(
        label=lazy(_if_new, str)(_("World region")),
        choices=[("", _("Choose a world region")), *Region.choices], required=False,
    )
    new_organisation_kind = forms.ChoiceField(
        label=lazy(_if_new, str)(_("Kind of organisation")),
        choices=[("", _("Choose a kind of organisation")), *OrganisationKind.choices], required=False,
    )
    new_organisation_website = forms.URLField(
        label=_("Website"), max_length=200, required=False, assume_scheme="https"
    )
    privacy_consent = forms.BooleanField(label=lazy(_privacy_label, str)(), required=True)

    field_order = [
        "email",
        "password1",
        "password2",
        "first_name",
        "last_name",
        "job_title",
        "organisation",
        "new_organisation_name",
        "new_organisation_country",
        "new_organisation_region",
        "new_organisation_kind",
        "new_organisation_website",
        "preferred_language",
        "time_zone",
        "privacy_consent",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organisation, new_name = self.add_prefix("organisation"), self.add_prefix("new_organisation_name")
        if self.is_bound and not self.data.get(organisation) and str(self.data.get(new_name, "")).strip():
            # A name typed without choosing "not in the list" first: that is what the person meant.
            self.data = self.data.copy()
            self.data[organisation] = OrganisationChoiceField.NEW
        # allauth allows 320 characters; the account's column holds 254 (RFC 5321's limit).
        email = self.fields["email"]
        email.max_length = 254
        email.validators.append(MaxLengthValidator(254))
        email.widget.attrs["maxlength"] = "254"
        self.fields["preferred_language"].initial = translation.get_language() or "en"
        self.fields["time_zone"].initial = "UTC"
        self.fields["time_zone"].widget.attrs["data-guess-time-zone"] = ""  # portal.js: the browser's zone
        # Required only when proposing an organisation: portal.js sets aria-required as the choice changes.
        proposing = self.is_bound and self.data.get(self.add_prefix("organisation")) == OrganisationChoiceField.NEW
        for name, label in (("new_organisation_name", _("Name of your organisation")),
                            ("new_organisation_country", _("Country")),
                            ("new_organisation_region", _("World region")),
                            ("new_organisation_kind", _("Kind of organisation"))):
            self.fields[name].summary_label = label  # the error summary names it without the note
            self.fields[name].widget.attrs.update(
                {"data-required-if-new": "", "aria-required": "true" if proposing else "false"})
        self.invitation = None
        self.helper = self._helper()

    def _helper(self):
        helper = FormHelper()
        helper.form_tag = False
        organisation = ["organisation"]
        if self.invitation is None:
            organisation.append(
                Div(
                    "new_organisation_name", "new_organisation_country", "new_organisation_region",
                    "new_organisation_kind", "new_organisation_website",
                    css_class="border-start ps-3 mb-3", data_new_organisation="",
                )
            )
        helper.layout = Layout(
            Fieldset(_("Your account"), "email", "password1", "password2"),
            Fieldset(_("About you"), "first_name", "last_name", "job_title"),
            Fieldset(_("Your organisation"), *organisation),
            Fieldset(_("Preferences"), "preferred_language", "time_zone"),
            "privacy_consent",
        )
        return helper

    def bind_invitation(self, invitation: MembershipInvitation):
        """A staff invitation fixes the email address and the organisation."""
        self.invitation = invitation
        self.fields["email"].initial = invitation.email
        self.fields["email"].disabled = True
        self.fields["preferred_language"].initial = invitation.language
        self.fields["first_name"].initial = invitation.first_name
        self.fields["last_name"].initial = invitation.last_name
        self.fields["organisation"].queryset = Organisation.objects.filter(pk=invitation.organisation_id)
        self.fields["organisation"].initial = invitation.organisation_id
        self.fields["organisation"].disabled = True
        self.fields["organisation"].empty_label = None
        self.fields["organisation"].allow_new = False
        for name in list(self.fields):
            if name.startswith("new_organisation_"):
                del self.fields[name]
        self.helper = self._helper()

    def clean(self):
        cleaned = super().clean()
        if self.invitation is not None:
            return cleaned
        organisation = cleaned.get("organisation")
        new_name = (cleaned.get("new_organisation_name") or "").strip()
        proposing = organisation is OrganisationChoiceField.PROPOSE_NEW
        if proposing:
            cleaned["organisation"] = organisation = None
        if organisation:
            # An organisation chosen from the list wins: the page hides the new organisation's fields
            # then, so what was typed there before changing one's mind can be neither seen nor cleared.
            for name in [name for name in self.fields if name.startswith("new_organisation_")]:
                cleaned[name] = ""
                self._errors.pop(name, None)
        elif proposing and not new_name:
            self.add_error("new_organisation_name", _("Required when you name a new organisation."))
        if proposing:
            for field in ("new_organisation_country", "new_organisation_region", "new_organisation_kind"):
                if not cleaned.get(field) and field not in self.errors:
                    self.add_error(field, _("Required when you name a new organisation."))
            # Whether that name may be proposed is the service's rule, checked once, in signup():
            # the view shows its error next to the name.
        return cleaned

    def signup(self, request, user):
        """Called by allauth once the user row exists, inside the sign-up transaction (the view's
        savepoint: a ValidationError here undoes the account too)."""
        data = self.cleaned_data
        # An invitation fixes the organisation itself: none is passed with it (member_register).
        organisation = None if self.invitation is not None else data.get("organisation")
        if organisation is None and self.invitation is None:
            organisation = services.organisation_propose(
                name=data["new_organisation_name"],
                country=data["new_organisation_country"],
                region=data["new_organisation_region"],
                kind=data["new_organisation_kind"],
                website=data.get("new_organisation_website", ""),
            )
        services.member_register(
            user=user,
            organisation=organisation,
            job_title=data["job_title"],
            preferred_language=data["preferred_language"],
            time_zone=data["time_zone"],
            invitation=self.invitation,
        )


class ProfileForm(MemberPreferencesFields):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    # The menu's language switch changes only the pages; this is the one setting for the emails.
    preferred_language = forms.ChoiceField(
        label=_("Language of your emails"),
        choices=settings.LANGUAGES,
        help_text=_("The secretariat writes to you in this language. The pages also use it unless you pick "
                    "another language in the menu."),
    )

    field_order = ["first_name", "last_name", "job_title", "preferred_language", "time_zone"]

    @classmethod
    def for_member(cls, member: Member, data=None):
        initial = {
            "first_name": member.user.first_name,
            "last_name": member.user.last_name,
            "job_title": member.job_title,
            "preferred_language": member.preferred_language,
            # An old spelling saved before the list was curated shows as the zone it stands for.
            "time_zone": timezones.canonical(member.time_zone),
        }
        return cls(data=data, initial=initial)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the person)"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        max_length=2000,
    )


class MergeOrganisationsForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Merge into"),
        queryset=Organisation.objects.all(),
        help_text=_("Members of the other selected organisations move here; those organisations are deleted."),
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            # Into one of the selected, or any confirmed organisation.
            self.fields["target"].queryset = Organisation.objects.filter(
                Q(pk__in=[o.pk for o in organisations]) | Q(status=OrganisationStatus.MEMBER)
            )


class ReadingOrderChoices(forms.models.ModelChoiceIterator):
    """A model choice list in the order people read names: "eThekwini" among the E, "Île-de-France"
    among the I (the database's order put both after Z)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for choice in sorted(self.queryset, key=lambda obj: timezones.reading_key(str(obj))):
            yield self.choice(choice)


class MembershipInvitationForm(forms.ModelForm):
    class Meta:
        model = MembershipInvitation
        fields = ["email", "first_name", "last_name", "organisation", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.iterator = ReadingOrderChoices
        widget = field.widget
        while widget is not None:  # the admin wraps the select (add and change links)
            widget.choices = field.choices
            widget = getattr(widget, "widget", None)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("email") and cleaned.get("organisation"):
            services.membership_invitation_validate(email=cleaned["email"], organisation=cleaned["organisation"])
        return cleaned


class OrganisationAdminForm(forms.ModelForm):
    """The duplicate rule next to the name field, not as a constraint error at the top."""

    # "example.org" means https://example.org (Django 6's default, stated here for 5.2).
    website = forms.URLField(label=_("website"), max_length=200, required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "country", "region", "kind", "population", "website", "status"]

    def clean(self):
        cleaned = super().clean()
        name, country = cleaned.get("name"), cleaned.get("country")
        if name and country:
            duplicate = services.organisation_find_duplicate(name=name, country=country, exclude_pk=self.instance.pk)
            if duplicate:
                # The constraint's own message, next to the field instead of at the top of the form.
                self.add_error("name", DUPLICATE_ORGANISATION_MESSAGE)
        return cleaned
