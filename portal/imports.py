"""Import hardening for every django-import-export admin (issue 6, findings 4 and 5).

- The uploaded file waits for its confirmation in the cache under a random name
  (``ImportCacheStorage``, IMPORT_EXPORT_TMP_STORAGE_CLASS), never in the server's temp folder,
  and the name is recorded in the session that uploaded it: the confirm step refuses any other
  name (another session's, a path, an expired or unknown one) with a message, not a 500.
- Before anything reads it, a file is checked against IMPORT_MAX_BYTES and IMPORT_MAX_ROWS: an
  XLSX sheet by its declared dimension (read-only, no rows loaded) and then by streaming its rows up
  to the limit; a CSV by counting its lines as it streams.
"""

import re
import zipfile

import openpyxl
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm
from import_export.tmp_storages import CacheStorage

SESSION_KEY = "portal_import_uploads"
SESSION_KEEP = 10  # the latest uploads of a session that can still be confirmed
NAME = re.compile(r"[0-9a-f]{32}")
# An XLSX is a zip: its unpacked XML may be far bigger than the upload (a "zip bomb").
XLSX_MAX_UNPACKED_FACTOR = 20


class ImportCacheStorage(CacheStorage):
    """Uploads waiting for confirmation, in the cache (Redis in production, shared by every web
    worker) under a random name, for an hour."""

    CACHE_LIFETIME = 3600
    CACHE_PREFIX = "portal-import-"

    def exists(self) -> bool:
        return bool(self.name) and self.read() is not None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def import_limits_check(upload, input_format) -> None:
    """Refuse a file above IMPORT_MAX_BYTES or IMPORT_MAX_ROWS data rows before anything parses it."""
    limit_rows = settings.IMPORT_MAX_ROWS
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            _("This file is %(size)s; an import takes at most %(limit)s. Split it into smaller files."),
            params={"size": _megabytes(upload.size), "limit": _megabytes(settings.IMPORT_MAX_BYTES)},
            code="too_big",
        )
    too_many = ValidationError(
        _("This file has more than %(limit)s rows; an import takes at most %(limit)s. Split it into smaller files."),
        params={"limit": f"{limit_rows:,}"},
        code="too_many_rows",
    )
    try:
        if isinstance(input_format, XLSX):
            _check_xlsx(upload, limit_rows, too_many)
        elif isinstance(input_format, CSV):
            for lines, _line in enumerate(upload, start=1):  # streamed in chunks, never the whole file
                if lines > limit_rows + 1:  # the header line, then the rows
                    raise too_many
    finally:
        upload.seek(0)


def _check_xlsx(upload, limit_rows, too_many) -> None:
    not_xlsx = ValidationError(_("This is not a valid XLSX file."), code="invalid_xlsx")
    try:
        with zipfile.ZipFile(upload) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise not_xlsx from None
    if unpacked > settings.IMPORT_MAX_BYTES * XLSX_MAX_UNPACKED_FACTOR:
        raise ValidationError(
            _("This file unpacks to %(size)s; an import takes at most %(limit)s. Split it into smaller files."),
            params={
                "size": _megabytes(unpacked),
                "limit": _megabytes(settings.IMPORT_MAX_BYTES * XLSX_MAX_UNPACKED_FACTOR),
            },
            code="too_big",
        )
    upload.seek(0)
    try:
        workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook gets the same clear message
        raise not_xlsx from None
    try:
        sheet = workbook.active
        # The sheet's declared dimension (its <dimension ref="A1:C20000"/>), read without the rows.
        if (sheet.max_row or 0) > limit_rows + 1:
            raise too_many
        if (sheet.max_column or 0) > settings.IMPORT_MAX_COLUMNS:
            raise ValidationError(
                _("This file has more than %(limit)s columns."),
                params={"limit": settings.IMPORT_MAX_COLUMNS},
                code="too_many_columns",
            )
        # A dimension may be missing or lie: count the rows themselves too (openpyxl would stop at
        # the declared last row), stopping at the limit.
        sheet.reset_dimensions()
        for count, _row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if count > limit_rows + 1:
                raise too_many
    finally:
        workbook.close()


def upload_remember(request, name: str) -> None:
    """Bind an upload waiting in ``ImportCacheStorage`` to this session (the latest SESSION_KEEP)."""
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), name][-SESSION_KEEP:]


def upload_is_known(request, name: str, storage=ImportCacheStorage) -> bool:
    """Whether ``name`` is an upload of this session still waiting in the cache (not a path, not
    another session's, not expired). ``storage``: the subclass the upload was saved with."""
    return bool(NAME.fullmatch(name or "")) and name in request.session.get(SESSION_KEY, []) and \
        storage(name=name).exists()


def upload_forget(request, name: str, storage=ImportCacheStorage) -> None:
    """The upload was used: its name no longer confirms anything, and the cache lets it go."""
    request.session[SESSION_KEY] = [upload for upload in request.session.get(SESSION_KEY, []) if upload != name]
    storage(name=name).remove()


class LimitedImportForm(ImportForm):
    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self._formats = formats
        self.fields["import_file"].help_text = _("CSV or XLSX, at most %(size)s and %(rows)s rows.") % {
            "size": _megabytes(settings.IMPORT_MAX_BYTES),
            "rows": f"{settings.IMPORT_MAX_ROWS:,}",
        }

    def clean(self):
        cleaned = super().clean()
        upload, index = cleaned.get("import_file"), cleaned.get("format")
        if upload is not None and index not in (None, ""):
            try:
                import_limits_check(upload, self._formats[int(index)]())
            except ValidationError as error:
                self.add_error("import_file", error)
        return cleaned


class SafeImportMixin:
    """For every ModelAdmin with django-import-export's ImportMixin (a system check says so)."""

    import_form_class = LimitedImportForm

    def get_tmp_storage_class(self):
        return ImportCacheStorage  # whatever a subclass or the settings say

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            upload_remember(request, initial["import_file_name"])
        return initial

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        name = request.POST.get("import_file_name", "")
        index = request.POST.get("format", "")
        uploads = request.session.get(SESSION_KEY, [])
        known = upload_is_known(request, name)
        if not known or not index.isdigit() or int(index) >= len(self.get_import_formats()):
            self.message_user(
                request,
                _("This import cannot be confirmed: it was not uploaded in this session, or it has expired. "
                  "Upload the file again."),
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        response = super().process_import(request, **kwargs)
        request.session[SESSION_KEY] = [upload for upload in uploads if upload != name]
        return response
