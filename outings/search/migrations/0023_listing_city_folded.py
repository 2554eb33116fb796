"""The chosen cities are compared without case or accents (engine.where.CITY_SPELLINGS): their
listings' spellings are found through this expression index, covering the city as written."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0022_suggestion_words")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX listing_city_folded ON catalog_listing"
            " (lower(outings_unaccent(city))) INCLUDE (city)",
            "DROP INDEX listing_city_folded",
        ),
    ]
