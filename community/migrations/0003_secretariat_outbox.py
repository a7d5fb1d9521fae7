"""Staff see the outbox, resend and cancel emails, and see who turned reminders off."""

from django.db import migrations

from ._secretariat import grant, revoke

PERMISSIONS = [
    ("mailings", "outboxmessage", ["view", "change"]),
    ("mailings", "mailpreference", ["view"]),
]


def add_permissions(apps, schema_editor):
    grant(apps, PERMISSIONS)


def remove_permissions(apps, schema_editor):
    revoke(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0002_secretariat_group"),
        ("mailings", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
