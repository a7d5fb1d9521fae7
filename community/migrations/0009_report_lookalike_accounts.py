"""Security issue #6: report accounts made before addresses were normalised whose address looks like
another's (an impostor may hold one). Reads only: it never fails the migration nor deletes anything;
staff list the same with ``manage.py find_lookalike_accounts``."""

import logging

from django.db import migrations

logger = logging.getLogger("community.security")


def report(apps, schema_editor):
    from community.addresses import lookalike_report

    try:
        lines = lookalike_report(
            users=apps.get_model("community", "User").objects.all(),
            email_addresses=apps.get_model("account", "EmailAddress").objects.all(),
            invitations=apps.get_model("community", "MembershipInvitation").objects.all(),
        )
    except Exception:  # noqa: BLE001 - a report must never stop a deployment
        logger.exception("Could not look for look-alike email addresses; run find_lookalike_accounts.")
        return
    for line in lines:
        logger.warning("Look-alike email addresses (check which is genuine): %s", line)
        print(f"\n  Look-alike email addresses: {line}")


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0008_secretariat_audit_log"),
        ("account", "0001_initial"),
    ]

    operations = [migrations.RunPython(report, migrations.RunPython.noop, elidable=True)]
