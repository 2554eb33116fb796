"""The catalogue version (0003) keys whole public pages too (outings.common.pagecache), and those
show a listing's photos and the categories in their order: writes to either move it as well."""

from django.db import migrations

TABLES = ("catalog_listingphoto", "catalog_category")

FORWARD = "\n".join(
    f"""CREATE TRIGGER {table}_bumps_catalogue_version
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION outings_bump_catalogue_version();"""
    for table in TABLES
)
REVERSE = "\n".join(
    f"DROP TRIGGER IF EXISTS {table}_bumps_catalogue_version ON {table};" for table in TABLES
)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0010_forget_private_suggestions"),
        ("catalog", "0007_imported_digests"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
