"""Foreign keys whose column leads an index or unique constraint of their model lose their own
index (outings.common.schema.drop_foreign_key_index)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from outings.common.schema import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_hostprofile_photo")]

    operations = [
        drop_foreign_key_index(
            "apitoken",
            "user",
            models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL),
            table="accounts_apitoken",
            column="user_id",
            index="accounts_apitoken_user_id_bbee13e0",
        ),
    ]
