"""City Managers Days take applications, not invitations: the invitations an in-person event held
(from the admin's "Invite all eligible" or a yes posted to its page, before that was refused) are
revoked, so that no edit, resend or reminder mails their RSVP links again."""

from django.db import migrations
from django.utils import timezone

REASON = "City Managers Days take applications, not invitations."


def revoke(apps, schema_editor):
    Invitation = apps.get_model("events", "Invitation")
    Invitation.objects.filter(event__kind="in_person", status="invited").update(
        status="revoked", revoked_at=timezone.now(), revoked_reason=REASON)


class Migration(migrations.Migration):
    dependencies = [("events", "0008_application_rank_index")]

    operations = [migrations.RunPython(revoke, migrations.RunPython.noop)]
