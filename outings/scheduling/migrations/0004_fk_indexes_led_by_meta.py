"""Foreign keys whose column leads an index or unique constraint of their model lose their own
index (outings.common.schema.drop_foreign_key_index)."""

import django.db.models.deletion
from django.db import migrations, models

from outings.common.schema import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0003_slot_minimum")]

    operations = [
        drop_foreign_key_index(
            "scheduleexception",
            "schedule",
            models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='exceptions', to='scheduling.schedule'),
            table="scheduling_scheduleexception",
            column="schedule_id",
            index="scheduling_scheduleexception_schedule_id_ff3aaecc",
        ),
        drop_foreign_key_index(
            "slot",
            "listing",
            models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='slots', to='catalog.listing'),
            table="scheduling_slot",
            column="listing_id",
            index="scheduling_slot_listing_id_0b7a99ca",
        ),
    ]
