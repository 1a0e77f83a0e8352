"""Channel credentials sealed at rest, and connections a seller can switch off.

The clear `webhook_secret` and `api_token` columns are replaced by sealed ones: each existing
value is sealed with the first key of SHIPDESK_SECRETS_KEY (shipdesk.sealed_secrets) and the clear
column emptied. The clear columns leave the models but stay in the database, empty and with a
database default, so the previous release still running during an upgrade reads "not set"
instead of failing on a missing column (docs/operations.md, Upgrades); a later release drops them.
Going back opens the secrets into the clear columns again.
"""

from django.db import migrations, models

from shipdesk.sealed_secrets import open_sealed, seal


def seal_existing(apps, schema_editor):
    Channel = apps.get_model("channels", "Channel")
    for channel in Channel.objects.exclude(webhook_secret="", api_token="").iterator():
        channel.webhook_secret_sealed = seal(channel.webhook_secret)
        channel.api_token_sealed = seal(channel.api_token)
        channel.webhook_secret = channel.api_token = ""
        channel.save(update_fields=["webhook_secret_sealed", "api_token_sealed", "webhook_secret", "api_token"])


def open_existing(apps, schema_editor):
    Channel = apps.get_model("channels", "Channel")
    for channel in Channel.objects.exclude(webhook_secret_sealed="", api_token_sealed="").iterator():
        channel.webhook_secret = open_sealed(channel.webhook_secret_sealed)[:200]
        channel.api_token = open_sealed(channel.api_token_sealed)[:500]
        channel.save(update_fields=["webhook_secret", "api_token"])


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0001_channels_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="channel",
            name="webhook_secret_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="channel",
            name="api_token_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="channel",
            name="enabled",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="channel",
            name="updated_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        # Rows the new release writes leave the clear columns out: the database fills them with "".
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    model_name="channel",
                    name="webhook_secret",
                    field=models.CharField(blank=True, default="", db_default="", max_length=200),
                ),
                migrations.AlterField(
                    model_name="channel",
                    name="api_token",
                    field=models.CharField(blank=True, default="", db_default="", max_length=500),
                ),
            ],
        ),
        migrations.RunPython(seal_existing, open_existing),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="channel", name="webhook_secret"),
                migrations.RemoveField(model_name="channel", name="api_token"),
            ],
        ),
    ]
