"""The staff decisions on portraits that go to the audit log (community.audit)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from community import audit


class SurveyAction(models.TextChoices):
    DEADLINE_EXTENDED = "portrait.deadline_extended", _("Portrait deadline extended")
    REOPENED = "portrait.reopened", _("Portrait re-opened (back to draft)")


audit.register_actions(SurveyAction)
