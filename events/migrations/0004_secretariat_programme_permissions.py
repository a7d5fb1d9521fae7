"""The Secretariat builds the programme of City Managers Days (sessions and site visits), sees who
picked which visit, and reads the applications (the participants' lists, badges, the funnel)."""

from django.db import migrations

from community.migrations._secretariat import grant, revoke

PERMISSIONS = [
    ("events", "session", ["view", "add", "change", "delete"]),
    ("events", "sitevisitpick", ["view"]),
    ("events", "application", ["view"]),
]


def add_permissions(apps, schema_editor):
    grant(apps, PERMISSIONS)


def remove_permissions(apps, schema_editor):
    revoke(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("events", "0003_city_managers_days")]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
