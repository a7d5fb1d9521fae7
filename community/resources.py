"""CSV/XLSX import and export for the secretariat (django-import-export)."""

import contextlib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from . import services
from .addresses import normalize_email
from .models import MembershipInvitation, Organisation

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class SpreadsheetSafeExport:
    """Exported cells that a spreadsheet would run as a formula (a member can type
    `=HYPERLINK(...)` as their name) are prefixed with an apostrophe, as OWASP advises."""

    def export(self, *args, **kwargs):
        dataset = super().export(*args, **kwargs)
        for index, row in enumerate(list(dataset)):
            if any(isinstance(cell, str) and cell.startswith(FORMULA_STARTS) for cell in row):
                dataset[index] = [
                    f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell for cell in row
                ]
        return dataset


class OrganisationResource(SpreadsheetSafeExport, resources.ModelResource):
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


class MembershipInvitationResource(SpreadsheetSafeExport, resources.ModelResource):
    """Import a list of people: each new row becomes an invitation, emailed with its signed link."""

    organisation = fields.Field(
        attribute="organisation", column_name="organisation", widget=ForeignKeyWidget(Organisation, "name")
    )

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
            raise ValueError("; ".join(error.messages)) from error
        instance.pk = saved.pk
