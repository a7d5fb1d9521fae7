"""City Managers Days reviews: two permissions, the "Reviewers" group and what the Secretariat may do.

- Reviewers (staff with ``is_staff`` for the second factor, in this group only) have exactly
  ``events.score_review``: the staff pages "My reviews" and the review of an application assigned to
  them. No admin list: the admin index shows them nothing but the link to their reviews.
- The Secretariat sets the criteria (view, add, change, delete), reads the reviews and scores in the
  admin, and assigns reviewers in bulk (``events.assign_reviewers``).
"""

from django.db import migrations

from community.migrations._secretariat import GROUP as SECRETARIAT, grant, revoke

REVIEWERS = "Reviewers"
REVIEWER_PERMISSIONS = [("events", "score_review")]
SECRETARIAT_PERMISSIONS = [
    ("events", "criterion", ["view", "add", "change", "delete"]),
    ("events", "review", ["view"]),
    ("events", "score", ["view"]),
]
SECRETARIAT_CUSTOM = [("events", "assign_reviewers")]


def _permissions(apps, pairs):
    Permission = apps.get_model("auth", "Permission")
    return [Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in pairs]


def add_permissions(apps, schema_editor):
    grant(apps, SECRETARIAT_PERMISSIONS)
    Group = apps.get_model("auth", "Group")
    Group.objects.get(name=SECRETARIAT).permissions.add(*_permissions(apps, SECRETARIAT_CUSTOM))
    reviewers, _created = Group.objects.get_or_create(name=REVIEWERS)
    reviewers.permissions.set(_permissions(apps, REVIEWER_PERMISSIONS))  # exactly these


def remove_permissions(apps, schema_editor):
    revoke(apps, SECRETARIAT_PERMISSIONS)
    Group = apps.get_model("auth", "Group")
    secretariat = Group.objects.filter(name=SECRETARIAT).first()
    if secretariat is not None:
        secretariat.permissions.remove(*_permissions(apps, SECRETARIAT_CUSTOM))
    Group.objects.filter(name=REVIEWERS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_secretariat_programme_permissions"),
        ("community", "0008_secretariat_audit_log"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="review",
            options={
                "ordering": ["application", "pk"],
                "permissions": [
                    ("score_review", "Can score the applications assigned to them"),
                    ("assign_reviewers", "Can assign reviewers to applications"),
                ],
                "verbose_name": "review",
                "verbose_name_plural": "reviews",
            },
        ),
        migrations.RunPython(add_permissions, remove_permissions),
    ]
