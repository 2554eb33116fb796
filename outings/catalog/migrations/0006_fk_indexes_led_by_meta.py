"""Foreign keys whose column leads an index or unique constraint of their model lose their own
index (outings.common.schema.drop_foreign_key_index)."""

import django.db.models.deletion
from django.db import migrations, models

from outings.common.schema import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_booking_settings")]

    operations = [
        drop_foreign_key_index(
            "auditentry",
            "host",
            models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='audit_entries', to='accounts.hostprofile'),
            table="catalog_auditentry",
            column="host_id",
            index="catalog_auditentry_host_id_dfb9aece",
        ),
        drop_foreign_key_index(
            "auditentry",
            "listing",
            models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='audit_entries', to='catalog.listing'),
            table="catalog_auditentry",
            column="listing_id",
            index="catalog_auditentry_listing_id_5b1d6a00",
        ),
        drop_foreign_key_index(
            "listingphoto",
            "listing",
            models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='catalog.listing'),
            table="catalog_listingphoto",
            column="listing_id",
            index="catalog_listingphoto_listing_id_2a35139b",
        ),
    ]
