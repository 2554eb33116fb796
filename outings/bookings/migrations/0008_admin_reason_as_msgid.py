from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import translation

# The admin's reason as the admin stores it now (bookings.models.CANCELLED_IN_THE_ADMIN), written
# out: a migration does not follow the code it was written against.
CANCELLED_IN_THE_ADMIN = "Cancelled by staff in the admin."


def _as_msgid(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Bookings staff cancelled in the admin stored its reason in the staff member's language:
    store it as the msgid, which each reader reads in their own (Booking.shown_reason)."""
    booking = apps.get_model("bookings", "Booking")
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translated = translation.gettext(CANCELLED_IN_THE_ADMIN)
        if translated != CANCELLED_IN_THE_ADMIN:
            booking.objects.filter(cancelled_by="staff", cancel_reason=translated).update(
                cancel_reason=CANCELLED_IN_THE_ADMIN
            )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0007_booking_reminder_for"),
    ]

    operations = [
        migrations.RunPython(_as_msgid, migrations.RunPython.noop),
    ]
