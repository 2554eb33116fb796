"""A catalogue version that every write to listings, slots or hosts moves forward, so cached
searches can carry it in their keys and go stale the moment anything they show changes.

A sequence, not a counter row: nextval() never blocks and is never rolled back, so a hot slot's
bookings do not queue behind one another on a version row. A version that moved for a write that
later rolled back only costs a cache miss."""

from django.db import migrations

SQL = """
CREATE SEQUENCE outings_catalogue_version;
CREATE FUNCTION outings_bump_catalogue_version() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('outings_catalogue_version'); RETURN NULL; END $$;
""" + "\n".join(
    f"""CREATE TRIGGER {table}_bumps_catalogue_version
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION outings_bump_catalogue_version();"""
    for table in ("catalog_listing", "scheduling_slot", "accounts_hostprofile")
)

REVERSE = "\n".join(
    f"DROP TRIGGER IF EXISTS {table}_bumps_catalogue_version ON {table};"
    for table in ("catalog_listing", "scheduling_slot", "accounts_hostprofile")
) + """
DROP FUNCTION IF EXISTS outings_bump_catalogue_version();
DROP SEQUENCE IF EXISTS outings_catalogue_version;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_lexicon"),
        ("scheduling", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
