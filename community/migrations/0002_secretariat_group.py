"""The "Secretariat" group: what staff need to run the yearly cycle, and nothing more.

Later apps add their own permissions to this group in their own migrations.
"""

from django.db import migrations

from ._secretariat import GROUP, grant

PERMISSIONS = [
    ("community", "user", ["view"]),
    ("community", "member", ["view", "change"]),
    ("community", "organisation", ["view", "add", "change"]),
    ("community", "membershipinvitation", ["view", "add"]),
    ("community", "edition", ["view", "add", "change"]),
    ("account", "emailaddress", ["view"]),
]


def create_group(apps, schema_editor):
    grant(apps, PERMISSIONS)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
