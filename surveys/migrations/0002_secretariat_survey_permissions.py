"""The Secretariat builds the survey (sections, questions and choices can be removed until answered:
answers protect them), reads portraits and extends an organisation's deadline (change_portrait)."""

from django.db import migrations

from community.migrations._secretariat import grant, revoke

PERMISSIONS = [
    ("surveys", "survey", ["view", "add", "change"]),
    ("surveys", "section", ["view", "add", "change", "delete"]),
    ("surveys", "question", ["view", "add", "change", "delete"]),
    ("surveys", "choice", ["view", "add", "change", "delete"]),
    ("surveys", "portrait", ["view", "change"]),
    ("surveys", "answer", ["view"]),
    ("surveys", "respondent", ["view"]),
]


def add_permissions(apps, schema_editor):
    grant(apps, PERMISSIONS)


def remove_permissions(apps, schema_editor):
    revoke(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_survey_portraits_answers"),
        ("community", "0008_secretariat_audit_log"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
