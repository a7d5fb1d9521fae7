"""The Secretariat selects the participants of City Managers Days: the selection board
(events.select_participants: decide, grant benefits, send decisions) and the applications' admin
with their history (view)."""

from django.db import migrations

from community.migrations._secretariat import GROUP, grant, revoke

PERMISSIONS = [
    ("events", "application", ["view"]),
    ("events", "budget", ["view"]),
]
SELECT = "select_participants"


def add_permissions(apps, schema_editor):
    grant(apps, PERMISSIONS)  # also makes the permissions exist
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name=GROUP).permissions.add(
        Permission.objects.get(content_type__app_label="events", codename=SELECT))


def remove_permissions(apps, schema_editor):
    revoke(apps, PERMISSIONS)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="events", codename=SELECT))


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0006_application_select_participants_permission"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
