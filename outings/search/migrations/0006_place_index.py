"""The GiST index that radius filters (earth_box @>) and distance sorts (<->) use."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0005_bundled_exchange_rates")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX listing_place_earth ON catalog_listing "
            "USING gist (ll_to_earth(latitude, longitude))",
            "DROP INDEX IF EXISTS listing_place_earth",
        )
    ]
