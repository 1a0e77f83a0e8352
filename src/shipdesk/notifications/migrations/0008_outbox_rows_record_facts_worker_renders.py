"""The outbox row records what its message shows (`facts`) and the worker renders it (`rendered_at`).

Both columns are nullable and added without a default to fill: existing rows keep their rendered
message and are sent as they are (no facts: nothing to render).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0007_notification_kinds_of_every_new_feature"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="facts",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="rendered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
