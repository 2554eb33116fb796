"""A content version: like the catalogue version (0003, 0011), but moved only by writes to what
listings say (listings, hosts, photos, categories), never by a slot's seats. Pages that show no
availability of other listings (a listing's own page, the list of things to do) are keyed by it
(outings.search.cache.listing_versions, content_versions), so that a booking on one listing does
not turn every cached page of the site into a miss."""

from django.db import migrations

TABLES = ("catalog_listing", "accounts_hostprofile", "catalog_listingphoto", "catalog_category")

FORWARD = """
CREATE SEQUENCE outings_content_version;
CREATE FUNCTION outings_bump_content_version() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('outings_content_version'); RETURN NULL; END $$;
""" + "\n".join(
    f"""CREATE TRIGGER {table}_bumps_content_version
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION outings_bump_content_version();"""
    for table in TABLES
)

BACKWARD = "\n".join(
    f"DROP TRIGGER IF EXISTS {table}_bumps_content_version ON {table};" for table in TABLES
) + """
DROP FUNCTION IF EXISTS outings_bump_content_version();
DROP SEQUENCE IF EXISTS outings_content_version;
"""


class Migration(migrations.Migration):
    dependencies = [("search", "0011_photos_and_categories_move_the_version")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
