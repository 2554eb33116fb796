"""Booking notifications stored before they carried their listing's zone (`data["time_zone"]`)
get it from the booking they name, so that their times read at the listing's wall-clock time
with its zone named (texts.py), as newer ones do. One statement; rows naming no booking, or one
deleted since, are left as they are (they read in the reader's zone, named)."""

from django.db import migrations

BACKFILL = """
UPDATE notifications_notification AS n
SET data = n.data || jsonb_build_object('time_zone', l.time_zone)
FROM bookings_booking AS b
JOIN catalog_listing AS l ON l.id = b.listing_id
WHERE n.data ? 'reference'
  AND NOT n.data ? 'time_zone'
  AND b.reference = n.data ->> 'reference'
"""


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0011_waitlist_moved_kind"),
        ("bookings", "0008_admin_reason_as_msgid"),
        ("catalog", "0010_listing_withdrawn_at"),
    ]

    operations = [migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop)]
