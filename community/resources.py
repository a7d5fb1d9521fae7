"""CSV/XLSX import and export for the secretariat (django-import-export)."""

import contextlib

from diff_match_patch import diff_match_patch
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export import exceptions, fields, resources
from import_export.resources import Diff

from portal.exports import csv_safe

from . import services
from .addresses import normalize_email
from .import_formats import (
    CountryWidget,
    GroupedIntegerWidget,
    LabelChoiceWidget,
    OrganisationByNameWidget,
    WebsiteWidget,
    language_widget,
)
from .models import MembershipInvitation, Organisation, OrganisationKind, OrganisationStatus, Region


class SpreadsheetSafeExport:
    """Exported text that a spreadsheet would run as a formula (a member can type `=HYPERLINK(...)`
    as their name) gets an apostrophe (``portal.exports.csv_safe``: after a semicolon too, since the
    dataset becomes a CSV or an XLSX later; names and addresses rarely hold a semicolon)."""

    def export(self, *args, **kwargs):
        dataset = super().export(*args, **kwargs)
        for index, row in enumerate(list(dataset)):
            safe = [csv_safe(cell) if isinstance(cell, str) else cell for cell in row]
            if safe != list(row):
                dataset[index] = safe
        return dataset


class ReadableDiff(Diff):
    """The import preview shows what a person wrote: "Portugal", "Europe", "3,300,000" (grouped the
    page language's way), not the stored codes."""

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.left = self._readable_values(resource, instance)  # Diff's own reader is called by name

    def compare_with(self, resource, instance):
        self.right = self._readable_values(resource, instance)

    def as_html(self):
        """Like import-export's, without diff-match-patch's style attributes, which the admin's
        Content Security Policy blocks (the colours are in static/css/admin.css)."""
        dmp = diff_match_patch()
        cells = []
        for left, right in zip(self.left, self.right, strict=False):
            if left != right and self.new:
                left = ""
            diff = dmp.diff_main(force_str(left), force_str(right))
            dmp.diff_cleanupSemantic(diff)
            tags = {dmp.DIFF_INSERT: "<ins>{}</ins>", dmp.DIFF_DELETE: "<del>{}</del>",
                    dmp.DIFF_EQUAL: "<span>{}</span>"}
            cells.append(format_html_join("", "{}", ((format_html(tags[op], text),) for op, text in diff)))
        return cells

    @staticmethod
    def _readable_values(resource, instance):
        values = []
        for field in resource.get_import_fields():
            label = getattr(field.widget, "label", None)
            if instance is not None and label is not None:
                value = field.get_value(instance)
                values.append(label(value) if value not in (None, "") else "")
            else:
                values.append(field.export(instance) if instance is not None else "")
        return values


class PersonFriendlyImport:
    """Values a person writes (labels, grouped numbers): see community/import_formats.py."""

    def get_diff_class(self):
        return ReadableDiff

    def _check_import_id_fields(self, headers):
        # django-import-export's own message names its internals ("import_id_fields"), in English.
        missing = [self.fields[name].column_name for name in self.get_import_id_fields()
                   if name in self.fields and self.fields[name].column_name not in (headers or [])]
        if missing:
            raise exceptions.FieldError(
                _("The file has no column %(columns)s: its first row must name the columns, as the template does.")
                % {"columns": ", ".join(f"“{column}”" for column in missing)})
        super()._check_import_id_fields(headers)

    def get_or_init_instance(self, instance_loader, row):
        # The row's key columns (name and country) are read here, before the fields: a country
        # written wrong is then a row error in words, like any other column's.
        try:
            return super().get_or_init_instance(instance_loader, row)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class OrganisationResource(PersonFriendlyImport, SpreadsheetSafeExport, resources.ModelResource):
    country = fields.Field(attribute="country", column_name="country", widget=CountryWidget())
    region = fields.Field(attribute="region", column_name="region", widget=LabelChoiceWidget(Region.choices))
    kind = fields.Field(attribute="kind", column_name="kind", widget=LabelChoiceWidget(OrganisationKind.choices))
    population = fields.Field(attribute="population", column_name="population", widget=GroupedIntegerWidget())
    website = fields.Field(attribute="website", column_name="website", widget=WebsiteWidget())
    status = fields.Field(attribute="status", column_name="status",
                          widget=LabelChoiceWidget(OrganisationStatus.choices))

    template_columns = ("name", "country", "region", "kind", "population", "website", "status")

    @staticmethod
    def template_example():
        from portal.numbers import grouped

        return {"name": "Lisboa", "country": "Portugal", "region": str(Region.EUROPE.label),
                "kind": str(OrganisationKind.CITY.label), "population": grouped(2_870_000),
                "website": "www.lisboa.pt", "status": str(OrganisationStatus.MEMBER.label)}

    class Meta:
        model = Organisation
        fields = ("id", "name", "country", "region", "kind", "population", "website", "status")
        import_id_fields = ("name", "country")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def import_instance(self, instance, row, **kwargs):
        # A status changes through the admin's actions (services.py, audited), not by re-importing a row.
        previous = instance.status if instance.pk else None
        super().import_instance(instance, row, **kwargs)
        if previous is not None and instance.status != previous:
            instance.status = previous
            raise ValidationError({"status": _(
                "The status of an existing organisation changes only through the actions “Confirm” and "
                "“Mark as former member”."
            )})


class MembershipInvitationResource(PersonFriendlyImport, SpreadsheetSafeExport, resources.ModelResource):
    """Import a list of people: each new row becomes an invitation, emailed with its signed link."""

    organisation = fields.Field(
        attribute="organisation", column_name="organisation", widget=OrganisationByNameWidget(Organisation, "name")
    )
    language = fields.Field(attribute="language", column_name="language", widget=language_widget())

    template_columns = ("email", "first_name", "last_name", "organisation", "language")

    @staticmethod
    def template_example():
        organisation = Organisation.objects.confirmed().order_by("name").first()
        return {"email": "ana.silva@lisboa.example", "first_name": "Ana", "last_name": "Silva",
                "organisation": organisation.name if organisation else "Lisboa",
                "language": str(dict(settings.LANGUAGES)["fr"])}

    class Meta:
        model = MembershipInvitation
        fields = ("email", "first_name", "last_name", "organisation", "language", "created_at", "accepted_at")
        import_id_fields = ("email",)
        skip_unchanged = True
        report_skipped = True

    def before_import_row(self, row, **kwargs):
        # Addresses are kept in their canonical form (community/addresses.py): "Ana@X", "ana@x" and
        # look-alikes are one person, one invitation. One that cannot be normalised stays as it is and
        # the invitation service refuses the row with the reason.
        if row.get("email"):
            with contextlib.suppress(ValidationError):
                row["email"] = normalize_email(str(row["email"]))

    def save_instance(self, instance, is_create, row, **kwargs):
        # Runs inside the import's transaction: a dry run (the preview) rolls back, and the emails
        # the service queued on commit are never sent.
        if not is_create:
            return  # an invitation already sent is not changed by an import
        try:
            saved = services.membership_invite(
                email=instance.email,
                organisation=instance.organisation,
                by=kwargs.get("user"),
                first_name=instance.first_name,
                last_name=instance.last_name,
                language=instance.language or "en",
            )
        except ValidationError as error:
            # A row error in words (e.g. "already has an invitation"): the other rows can still be imported.
            raise ValidationError(error.messages) from error
        instance.pk = saved.pk
