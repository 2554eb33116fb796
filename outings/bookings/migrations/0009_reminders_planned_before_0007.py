from django.db import migrations

# The reminders that the code from before 0007 planned after 0007 had filled `reminder_for`
# (its workers ran on while the next release migrated: every process migrates as it starts).
# That code wrote the due row only; since session 17 a reminder goes only while the booking's
# `reminder_for` names its start (services.remind_guest), so these were skipped. Each gets the
# start its row names, as 0007 gave the rows it found.
#
# Only rows still to come (due after now): an empty `reminder_for` also means "the reminder for
# this start was written" (remind_guest clears it), and a second row for a start whose reminder
# went (a date moved away and back) is due when the first was, so it is never one of these.
# Only a confirmed booking whose date still starts then: a row for another start sends nothing.
FILL = """
    UPDATE bookings_booking b SET reminder_for = r.starts_at
    FROM (SELECT (payload->>'booking')::bigint AS booking_id,
                 max((payload->>'starts_at')::timestamptz) AS starts_at
          FROM common_outboxmessage
          WHERE kind = 'bookings.remind' AND status = 'pending' AND due_at > now()
          GROUP BY 1) r, scheduling_slot s
    WHERE r.booking_id = b.id AND s.id = b.slot_id AND s.starts_at = r.starts_at
      AND b.status = 'confirmed' AND b.reminder_for IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0008_admin_reason_as_msgid"),
        ("common", "0003_outboxmessage"),
    ]

    operations = [migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop)]
