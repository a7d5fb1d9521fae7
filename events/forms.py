"""The staff forms of events: the attendance import (upload, then the columns and the threshold)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import CSV

from portal.imports import ImportCacheStorage, import_limits_check

from . import attendance


class AttendanceStorage(ImportCacheStorage):
    """Attendance reports waiting for confirmation: the cache, a random name bound to the session
    (``portal.imports``), a prefix of their own and the event's, so that no other import's confirm
    step, nor another event's, reads them."""

    CACHE_PREFIX = "portal-import-attendance-"

    def __init__(self, *, event_id, **kwargs):
        # The event's id in the key: an upload previewed on one event's page is never recorded on another's.
        super().__init__(**kwargs)
        self.CACHE_PREFIX = f"{type(self).CACHE_PREFIX}{event_id}-"


class AttendanceUploadForm(forms.Form):
    report = forms.FileField(label=_("Attendance report (CSV)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].help_text = _(
            "The CSV the meeting tool exports (Zoom, Teams, Webex...): one row per attendee or per session, with "
            "an email column and a duration column. Any separator or encoding. At most %(size)s and %(rows)s rows."
        ) % {"size": f"{settings.IMPORT_MAX_BYTES / 2**20:.1f} MB", "rows": f"{settings.IMPORT_MAX_ROWS:,}"}

    def clean_report(self):
        upload = self.cleaned_data["report"]
        import_limits_check(upload, CSV())  # size, then rows, before anything parses it
        data = upload.read()
        self.parsed = attendance.read_report(data)  # ValidationError: a message for the field
        self.data_bytes = data
        return upload


class AttendanceConfirmForm(forms.Form):
    upload = forms.CharField(widget=forms.HiddenInput, max_length=64)
    filename = forms.CharField(widget=forms.HiddenInput, max_length=255, required=False)
    email_column = forms.TypedChoiceField(label=_("Column with the email address"), coerce=int)
    minutes_column = forms.TypedChoiceField(label=_("Column with the minutes attended"), coerce=int)
    min_minutes = forms.IntegerField(
        label=_("Minutes to count as attended"), min_value=0, max_value=attendance.MAX_MINUTES,
        help_text=_("An attendee with fewer minutes in total is recorded with their minutes, as not attended."))
    skip_bad_rows = forms.BooleanField(label=_("Import the other rows and skip those whose minutes cannot be read"),
                                       required=False)

    def __init__(self, *args, header=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((index, name or _("(column %(n)d)") % {"n": index + 1})
                                for index, name in enumerate(header))]
        self.fields["email_column"].choices = choices
        self.fields["minutes_column"].choices = choices
        self.fields["min_minutes"].initial = settings.EVENT_ATTENDANCE_MIN_MINUTES

    def clean(self):
        cleaned = super().clean()
        email, minutes = cleaned.get("email_column"), cleaned.get("minutes_column")
        if email is not None and email == minutes:
            raise ValidationError(_("Pick two different columns: one for the email, one for the minutes."))
        return cleaned
