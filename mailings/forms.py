from django import forms
from django.utils.translation import gettext_lazy as _


class PreferencesForm(forms.Form):
    reminders = forms.BooleanField(
        label=_("Send me reminders"),
        required=False,
        help_text=_(
            "Reminders before the survey closes, before the webinar and before a confirmation deadline. "
            "Invitations and decisions are always sent."
        ),
    )
