"""The catalogue version (0003, 0011) also moves when a write commits, not only when it is made.

nextval() is seen by every session at once, the write's rows only at its commit: a search made
in between read the new version and the old rows and was cached under that version, so that
anonymous visitors were shown the seats a booking had just taken until the time window ended.
A deferred constraint trigger runs in the committing transaction's last moment, after all of its
statements, so a search that keys a page by the version it moves reads that transaction's rows
(all but the instant between the trigger and the commit record, which the time window covers).

In the database rather than `transaction.on_commit` in the writers: it covers every writer,
raw SQL (bookings.services.seats) and other processes included. Per row written, one call at
commit: a booking writes one slot row (a few microseconds); the statement triggers of 0003 stay,
for TRUNCATE (which constraint triggers cannot follow) and for the writer's own transaction."""

from django.db import migrations

TABLES = (
    "catalog_listing",
    "scheduling_slot",
    "accounts_hostprofile",
    "catalog_listingphoto",
    "catalog_category",
)

FORWARD = "\n".join(
    f"""CREATE CONSTRAINT TRIGGER {table}_commit_bumps_catalogue_version
        AFTER INSERT OR UPDATE OR DELETE ON {table}
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION outings_bump_catalogue_version();"""
    for table in TABLES
)
BACKWARD = "\n".join(
    f"DROP TRIGGER IF EXISTS {table}_commit_bumps_catalogue_version ON {table};"
    for table in TABLES
)


class Migration(migrations.Migration):
    dependencies = [("search", "0012_content_version")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
