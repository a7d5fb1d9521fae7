"""The Secretariat runs the events: adds and edits them (the join link is on the change page), invites
all eligible members (change_event), reads invitations, grants and withdraws exceptions."""

from django.db import migrations

from community.migrations._secretariat import grant, revoke

PERMISSIONS = [
    ("events", "event", ["view", "add", "change"]),
    ("events", "invitation", ["view"]),
    ("events", "eligibilityexception", ["view", "add", "change"]),
]


def add_permissions(apps, schema_editor):
    grant(apps, PERMISSIONS)


def remove_permissions(apps, schema_editor):
    revoke(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_events_invitations_exceptions"),
        ("community", "0008_secretariat_audit_log"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
