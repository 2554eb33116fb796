"""Foreign keys whose column leads an index or unique constraint of their model lose their own
index (outings.common.schema.drop_foreign_key_index)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from outings.common.schema import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        drop_foreign_key_index(
            "booking",
            "guest",
            models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to=settings.AUTH_USER_MODEL),
            table="bookings_booking",
            column="guest_id",
            index="bookings_booking_guest_id_8ba294cc",
        ),
        drop_foreign_key_index(
            "booking",
            "listing",
            models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='catalog.listing'),
            table="bookings_booking",
            column="listing_id",
            index="bookings_booking_listing_id_3af24c7b",
        ),
        drop_foreign_key_index(
            "booking",
            "slot",
            models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='scheduling.slot'),
            table="bookings_booking",
            column="slot_id",
            index="bookings_booking_slot_id_53c8e8ac",
        ),
        drop_foreign_key_index(
            "waitlistentry",
            "guest",
            models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='waitlist_entries', to=settings.AUTH_USER_MODEL),
            table="bookings_waitlistentry",
            column="guest_id",
            index="bookings_waitlistentry_guest_id_8387828b",
        ),
    ]
