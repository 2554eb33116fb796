"""The bell's unread count, numbered: `notifications_unread(user)` takes a number from the sequence
`notifications_unread_change` and then counts the user's unread notifications, in one call
(selectors.unread_counted).

The count is a statement of its own inside the function, after the number was taken: a
VOLATILE PL/pgSQL function takes a fresh snapshot for each statement it runs (READ COMMITTED),
so the count sees every change committed before its number was taken. Read in the same statement
as the count, the number would come after that statement's snapshot, and a count taken earlier
could carry the higher number. A change's own count is taken after it committed: so the count
with the highest number of those a page received saw every change they were counted for, and a
page keeps it (live.js)."""

from django.db import migrations

SQL = """
CREATE SEQUENCE notifications_unread_change;
CREATE FUNCTION notifications_unread(reader bigint, OUT change bigint, OUT unread bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    change := nextval('notifications_unread_change');
    SELECT count(*) INTO unread FROM notifications_notification
    WHERE user_id = reader AND read_at IS NULL;
END
$$;
"""

REVERSE = """
DROP FUNCTION IF EXISTS notifications_unread(bigint);
DROP SEQUENCE IF EXISTS notifications_unread_change;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0012_notification_zone_from_booking"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
