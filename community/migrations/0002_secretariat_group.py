"""The "Secretariat" group: what staff need to run the yearly cycle, and nothing more.

Later apps add their own permissions to this group in their own migrations.
"""

from django.db import migrations

GROUP = "Secretariat"
PERMISSIONS = [
    ("community", "user", ["view"]),
    ("community", "member", ["view", "change"]),
    ("community", "organisation", ["view", "add", "change"]),
    ("community", "membershipinvitation", ["view", "add"]),
    ("community", "edition", ["view", "add", "change"]),
    ("account", "emailaddress", ["view"]),
]


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, model, actions in PERMISSIONS:
        for action in actions:
            permission = Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
            group.permissions.add(permission)


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
