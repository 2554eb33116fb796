from django.db import migrations


class Migration(migrations.Migration):
    """One number per change of a slot's seats, taken in the statement that changes them (under
    the slot's row lock), so that live seats-left events can be put in order by their readers
    (outings/bookings/services/seats.py)."""

    dependencies = [
        ("bookings", "0004_booking_counted_on"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE bookings_seats_change",
            reverse_sql="DROP SEQUENCE bookings_seats_change",
        ),
    ]
