"""Imports a non-developer can use (issue 8, item 3), for every django-import-export admin.

- ``SpreadsheetCSV``: a CSV as French and Spanish spreadsheets write it (";" between cells, a BOM,
  or Windows' own encoding) is read like any other: the separator is sniffed from the header line.
- ``FriendlyImportMixin`` (with ``portal.imports.SafeImportMixin``, which it does not replace):
  a template to download (header row and one example row, CSV or XLSX) linked from the import page;
  errors in plain words, row by row, on the page (never a traceback or an exception's class name);
  and, when some rows are wrong, a checkbox "Import the valid rows and skip the others" on the
  confirm step, the skipped rows then listed in a message.
The resource says what its template holds (``template_columns``, ``template_example()``).
"""

import csv
import io
import logging

import tablib
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ConfirmImportForm

logger = logging.getLogger(__name__)
DELIMITERS = (";", ",", "\t")


def decode_text(data: bytes) -> str:
    """The text of an uploaded CSV, whatever wrote it: UTF-16 with its BOM (Microsoft Teams'
    attendance report, Excel's "Unicode text"), UTF-16 without a BOM (every other byte a NUL),
    UTF-8 with or without a BOM, else Windows' own encoding (Excel's "CSV" on Windows; a superset
    of Latin-1's letters). Never raises: an undecodable byte becomes U+FFFD."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").removeprefix("\ufeff")
    head = data[:2000]
    if len(head) >= 4 and head.count(0) * 3 > len(head):  # UTF-16 without a BOM: which half is NUL?
        even_nuls = head[0::2].count(0)
        return data.decode("utf-16-be" if even_nuls > head[1::2].count(0) else "utf-16-le", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


class SpreadsheetCSV(CSV):
    """CSV with the separator and the encoding a spreadsheet chose."""

    def create_dataset(self, in_stream, **kwargs):
        text = decode_text(in_stream) if isinstance(in_stream, bytes) else in_stream
        text = text.removeprefix("\ufeff")
        header = text.split("\n", 1)[0]
        delimiter = max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","
        return tablib.Dataset().load(text, format="csv", delimiter=delimiter)


class SkipInvalidRowsConfirmForm(ConfirmImportForm):
    skip_invalid_rows = forms.BooleanField(
        label=gettext_lazy("Import the valid rows and skip the others"), required=False
    )


def spreadsheet_row(number) -> int:
    """import-export numbers the data rows from 1; in the spreadsheet the header is row 1."""
    return int(number) + 1


def row_errors_in_words(invalid_row) -> list[str]:
    """["population: “abc” is not a whole number…", …] for one invalid row."""
    lines = []
    for field, errors in invalid_row.field_specific_errors.items():
        lines += [f"{field}: {error}" for error in errors]
    lines += [str(error) for error in invalid_row.non_field_specific_errors]
    return lines


class FriendlyImportMixin:
    import_template_name = "admin/portal_import.html"
    confirm_form_class = SkipInvalidRowsConfirmForm
    # The secretariat's spreadsheets: a CSV with any separator and encoding, or an XLSX.
    import_formats = [SpreadsheetCSV, XLSX]
    from_encoding = "utf-8-sig"

    # ---------------------------------------------------------------- the template to download
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        template = path(
            "import/template.<str:fmt>", self.admin_site.admin_view(self.import_template_view),
            name="{}_{}_import_template".format(*info),
        )
        return [template, *super().get_urls()]

    def import_template_view(self, request, fmt):
        if not self.has_import_permission(request):
            raise PermissionDenied
        resource = self.get_import_resource_classes(request)[0]()
        dataset = tablib.Dataset(headers=list(resource.template_columns))
        example = resource.template_example()
        dataset.append([example.get(column, "") for column in resource.template_columns])
        name = f"{self.opts.model_name}-import-template"
        if fmt == "xlsx":
            response = HttpResponse(
                dataset.export("xlsx"),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        elif fmt == "csv":
            # French and Spanish spreadsheets open a ";"-separated file with a BOM in the right columns.
            delimiter = ";" if translation.get_language() in ("fr", "es") else ","
            out = io.StringIO()
            writer = csv.writer(out, delimiter=delimiter)
            writer.writerow(dataset.headers)
            writer.writerows(dataset)
            response = HttpResponse(("\ufeff" + out.getvalue()).encode(), content_type="text/csv; charset=utf-8")
        else:
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response

    # ---------------------------------------------------------------- errors and the valid rows
    def add_data_read_fail_error_to_form(self, form, e):
        logger.info("An import file could not be read: %r", e)
        form.add_error("import_file", _(
            "This file could not be read. Save it as CSV (any separator) or XLSX, with the column names in "
            "the first row (download the template below), and choose the matching format."
        ))

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result, form = context.get("result"), context.get("form")
        if (result is not None and form is not None and not result.has_errors() and result.has_validation_errors()
                and result.valid_rows()):
            # Some rows are wrong, others fine: offer to import the fine ones.
            context["confirm_form"] = self.create_confirm_form(request, import_form=form)
            context["offers_skipping"] = True
        return response

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        skip = form is not None and getattr(form, "cleaned_data", {}).get("skip_invalid_rows")
        kwargs = super().get_import_data_kwargs(**kwargs)
        # Without the box ticked, a row that fails rolls the whole import back (nothing half-done).
        kwargs.setdefault("rollback_on_validation_errors", not skip)
        return kwargs

    def process_result(self, result, request):
        invalid = list(result.invalid_rows)
        if result.has_errors() or (invalid and request.POST.get("skip_invalid_rows") != "on"):
            self.message_user(request, _(
                "Nothing was imported: some rows have errors (%(rows)s). Correct them and upload the file again, "
                "or tick “Import the valid rows and skip the others”."
            ) % {"rows": ", ".join(str(spreadsheet_row(row.number)) for row in invalid) or "?"}, messages.ERROR)
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        response = super().process_result(result, request)
        for row in invalid:
            self.message_user(request, _("Row %(row)s was not imported: %(errors)s") % {
                "row": spreadsheet_row(row.number), "errors": "; ".join(row_errors_in_words(row)),
            }, messages.WARNING)
        return response
