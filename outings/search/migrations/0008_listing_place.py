"""The listing's point on the earth, stored: `catalog_listing.place`, a generated column, with the
GiST index that radius filters (earth_box @>) and distance sorts (<->) use.

It replaces the index on the expression ll_to_earth(latitude, longitude). The index was enough to
find the listings in a radius, but every matching row then computed ll_to_earth again, for the
exact distance filter, the distance, the nearest-first key and the score: on the bench catalogue
that was half of a search near Madrid (21,222 matches, 716 -> 390 ms; docs/benchmarks.md).

PostgreSQL computes the column on every insert and on every update of latitude or longitude, in
the same statement, so it cannot fall behind. The model does not declare it (Django has no cube
field and nothing in Python reads it); the search SQL does (outings/search/sql.py, PLACE).
Adding it rewrites catalog_listing once, under an exclusive lock: about 10 s per 250,000
listings here.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE catalog_listing ADD COLUMN place earth"
    " GENERATED ALWAYS AS (ll_to_earth(latitude, longitude)) STORED",
    "CREATE INDEX listing_place ON catalog_listing USING gist (place)",
    "DROP INDEX IF EXISTS listing_place_earth",
]

BACKWARD = [
    "CREATE INDEX listing_place_earth ON catalog_listing "
    "USING gist (ll_to_earth(latitude, longitude))",
    "ALTER TABLE catalog_listing DROP COLUMN place",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0007_suggestion_indexes")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
