"""Trigram indexes for the admin's searches (case-insensitive "contains"), on PostgreSQL only.

Django's icontains is `UPPER(column::text) LIKE UPPER('%word%')`: a GIN trigram index on
UPPER(column) serves it. The suite also runs on SQLite, where there is nothing to do; the indexes
are not in the models' state (Django cannot express a guarded index), so makemigrations stays quiet.
"""

from django.db import migrations

INDEXES = {
    "community_user_email_trgm": ("community_user", "email"),
    "community_user_first_name_trgm": ("community_user", "first_name"),
    "community_user_last_name_trgm": ("community_user", "last_name"),
    "community_organisation_name_trgm": ("community_organisation", "name"),
    "community_organisation_website_trgm": ("community_organisation", "website"),
    "community_member_job_title_trgm": ("community_member", "job_title"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("community", "0011_member_joined_at_index")]

    operations = [migrations.RunPython(create, drop)]
