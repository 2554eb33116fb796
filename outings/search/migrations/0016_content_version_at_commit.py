"""The content version (0012) also moves when a write commits, as the catalogue version does
(0013): a listing's page or the list of things to do rendered between an edit's statement and
its commit read the new version and the old text, and was kept under that version until its
time window ended. One deferred constraint trigger call per row written, at commit."""

from django.db import migrations

TABLES = ("catalog_listing", "accounts_hostprofile", "catalog_listingphoto", "catalog_category")

FORWARD = "\n".join(
    f"""CREATE CONSTRAINT TRIGGER {table}_commit_bumps_content_version
        AFTER INSERT OR UPDATE OR DELETE ON {table}
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION outings_bump_content_version();"""
    for table in TABLES
)
BACKWARD = "\n".join(
    f"DROP TRIGGER IF EXISTS {table}_commit_bumps_content_version ON {table};" for table in TABLES
)


class Migration(migrations.Migration):
    dependencies = [("search", "0015_listing_search_facts")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
