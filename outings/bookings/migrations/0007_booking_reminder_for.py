from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0006_booking_told_on_at"),
        ("common", "0003_outboxmessage"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="reminder_for",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        # Reminders already planned: the start each was planned for, so that a later move of
        # the date (or of its end only) plans none twice.
        migrations.RunSQL(
            """UPDATE bookings_booking b SET reminder_for = r.starts_at
               FROM (SELECT (payload->>'booking')::bigint AS booking_id,
                            max((payload->>'starts_at')::timestamptz) AS starts_at
                     FROM common_outboxmessage WHERE kind = 'bookings.remind'
                     GROUP BY 1) r
               WHERE r.booking_id = b.id""",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
