"""Channel credentials sealed at rest, and connections a seller can switch off.

The clear `webhook_secret` and `api_token` columns are replaced by sealed ones: each existing
value is sealed with the first key of SHIPDESK_SECRETS_KEY (shipdesk.sealed_secrets) before the
clear column is dropped. Going back opens them into the clear columns again.
"""

from django.db import migrations, models

from shipdesk.sealed_secrets import open_sealed, seal


def seal_existing(apps, schema_editor):
    Channel = apps.get_model("channels", "Channel")
    for channel in Channel.objects.exclude(webhook_secret="", api_token="").iterator():
        channel.webhook_secret_sealed = seal(channel.webhook_secret)
        channel.api_token_sealed = seal(channel.api_token)
        channel.save(update_fields=["webhook_secret_sealed", "api_token_sealed"])


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
        migrations.RunPython(seal_existing, open_existing),
        migrations.RemoveField(model_name="channel", name="webhook_secret"),
        migrations.RemoveField(model_name="channel", name="api_token"),
    ]
