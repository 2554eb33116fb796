from django.db import migrations, models

# `reminded_for`: the start whose reminder was written. Until now an empty `reminder_for` meant
# either "nothing planned" or "written" (services.remind_guest clears it), so a reminder that
# code from before 0007 planned (the due row only) after 0009 had filled the rows it found was
# skipped. Remind_guest now sends a row for a start with nothing planned unless that start's
# reminder was written.
#
# For bookings whose reminder went before this ran: the start of a delivered reminder row that
# is still the date's start, so that a second row for it (a date moved away and back: both are
# due at the same moment) stays skipped. A delivered row whose mail was skipped counts too;
# nothing is lost by that: it is the row of that start, and it was delivered.
FILL = """
    UPDATE bookings_booking b SET reminded_for = r.starts_at
    FROM (SELECT (payload->>'booking')::bigint AS booking_id,
                 (payload->>'starts_at')::timestamptz AS starts_at
          FROM common_outboxmessage
          WHERE kind = 'bookings.remind' AND status = 'done') r, scheduling_slot s
    WHERE r.booking_id = b.id AND s.id = b.slot_id AND s.starts_at = r.starts_at
      AND b.reminder_for IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0010_admin_reason_in_notices"),
        ("common", "0003_outboxmessage"),
        ("scheduling", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="reminded_for",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
    ]
