"""Staff see the outbox, resend and cancel emails, and see who turned reminders off."""

from django.db import migrations

PERMISSIONS = [
    ("mailings", "outboxmessage", ["view", "change"]),
    ("mailings", "mailpreference", ["view"]),
]


def add_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.get(name="Secretariat")
    for app_label, model, actions in PERMISSIONS:
        for action in actions:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
            )


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Secretariat").first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="mailings"))


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0002_secretariat_group"),
        ("mailings", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
