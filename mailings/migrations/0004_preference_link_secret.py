"""Email-preference links carry a per-address random secret instead of the signed address
(security #6, item 8). Existing rows get their own secret; links sent before stop working."""

import secrets

from django.db import migrations, models

import mailings.models


def give_each_a_secret(apps, schema_editor):
    MailPreference = apps.get_model("mailings", "MailPreference")
    for preference in MailPreference.objects.filter(link_secret__isnull=True).only("pk"):
        MailPreference.objects.filter(pk=preference.pk).update(link_secret=secrets.token_urlsafe(32))


class Migration(migrations.Migration):
    dependencies = [
        ("mailings", "0003_outbox_sent_personal_link_removed"),
    ]

    operations = [
        migrations.AddField(
            model_name="mailpreference",
            name="link_secret",
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name="link secret"),
        ),
        migrations.RunPython(give_each_a_secret, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="mailpreference",
            name="link_secret",
            field=models.CharField(
                default=mailings.models.new_link_secret, editable=False, max_length=64, unique=True,
                verbose_name="link secret",
            ),
        ),
    ]
