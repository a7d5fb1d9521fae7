"""The trigram indexes of 0012 without GIN's "fast update" pending list, on PostgreSQL only.

With fast update on, each new or changed row goes to an unsorted pending list that every search
reads in full until a vacuum (or 4 MB of entries) merges it into the index. After the bench's
20,000 members were written, the member search read thousands of pending entries: 29 ms for the
people's part of "garcia-1", where the merged index answers in 1.4 ms (bench/web.py). Off, each
insert updates the index itself (a signup or an import writes a little slower); the list is
emptied once here.
"""

from django.db import migrations

INDEXES = [  # 0012's
    "community_user_email_trgm",
    "community_user_first_name_trgm",
    "community_user_last_name_trgm",
    "community_organisation_name_trgm",
    "community_organisation_website_trgm",
    "community_member_job_title_trgm",
]


def fast_update(on):
    def change(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in INDEXES:
            schema_editor.execute(f"ALTER INDEX IF EXISTS {name} SET (fastupdate = {'on' if on else 'off'})")
            if not on:
                schema_editor.execute(
                    f"SELECT gin_clean_pending_list('{name}'::regclass) WHERE to_regclass('{name}') IS NOT NULL"
                )

    return change


class Migration(migrations.Migration):
    dependencies = [("community", "0012_trigram_search_indexes")]

    operations = [migrations.RunPython(fast_update(False), fast_update(True))]
