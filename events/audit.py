"""The staff decisions on events that go to the audit log (community.audit)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from community import audit


class EventAction(models.TextChoices):
    EXCEPTION_GRANTED = "event_exception.granted", _("Event eligibility exception granted")
    EXCEPTION_WITHDRAWN = "event_exception.withdrawn", _("Event eligibility exception withdrawn")
    INVITED_ALL_ELIGIBLE = "event.invited_all_eligible", _("Event: all eligible members invited")
    INVITATIONS_RESENT = "event.invitations_resent", _("Event: invitation emails sent again")
    ATTENDANCE_IMPORTED = "event.attendance_imported", _("Event: attendance imported")
    ATTENDANCE_MARKED = "event.attendance_marked", _("Event: attendance marked by hand")


audit.register_actions(EventAction)
