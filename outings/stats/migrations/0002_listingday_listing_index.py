"""Foreign keys whose column leads an index or unique constraint of their model lose their own
index (outings.common.schema.drop_foreign_key_index)."""

import django.db.models.deletion
from django.db import migrations, models

from outings.common.schema import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [("stats", "0001_initial")]

    operations = [
        drop_foreign_key_index(
            "listingday",
            "listing",
            models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='daily_stats', to='catalog.listing'),
            table="stats_listingday",
            column="listing_id",
            index="stats_listingday_listing_id_cfe4e513",
        ),
    ]
