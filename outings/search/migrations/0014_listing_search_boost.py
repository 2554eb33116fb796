"""What a listing's bookings and age add to its ranking, stored: `catalog_listing.search_boost`,
written hourly by search.services.refresh_ranking and read by the search's score (where.score).

Stored rather than counted per search: the score is computed for every match (20,000 for a
common word), and a count of bookings per match, or even the date arithmetic of freshness
(0.09 us a row), would cost every search; a float on the row costs nothing. Like `place`
(0008), the model does not declare it: only the search SQL reads it. Existing listings start at
0 (no rewrite of the table) and get their value at the next refresh, as new listings do."""

from django.db import migrations

FORWARD = "ALTER TABLE catalog_listing ADD COLUMN search_boost float8 NOT NULL DEFAULT 0"
BACKWARD = "ALTER TABLE catalog_listing DROP COLUMN search_boost"


class Migration(migrations.Migration):
    dependencies = [("search", "0013_catalogue_version_at_commit")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
