"""Staff read the audit log; nobody may add, change or delete an entry (the model has no such permission)."""

from django.db import migrations

from ._secretariat import grant, revoke

PERMISSIONS = [("community", "auditentry", ["view"])]


def add_permissions(apps, schema_editor):
    grant(apps, PERMISSIONS)


def remove_permissions(apps, schema_editor):
    revoke(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0007_audit_log"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
