"""Foreign keys whose column leads an index or unique constraint of their model lose their own
index (outings.common.schema.drop_foreign_key_index)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from outings.common.schema import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_booking_kinds")]

    operations = [
        drop_foreign_key_index(
            "notification",
            "user",
            models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL),
            table="notifications_notification",
            column="user_id",
            index="notifications_notification_user_id_b5e8c0ff",
        ),
    ]
