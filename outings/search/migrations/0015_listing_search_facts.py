"""A narrow copy of what a search without text reads of each published listing, so that such a
search (a category with a price and a duration, say) reads 29 MB of index instead of 441 MB of
listings on the bench catalogue.

1. `catalog_listing.search_quality`: the ranking's quality factor (where.score), a generated
   column that PostgreSQL writes in the statement that changes a photo, a kind or the hourly
   `search_boost` (0014), so it cannot fall behind: 1, plus 0.2 with a photo, plus 0.3 for an
   experience, plus `search_boost`. The score read `image_url` (up to 1,000 characters) and
   `kind` for this; an index cannot carry the first.
2. `listing_published_facts`: a partial index over the published listings, keyed by duration
   (the range scan of a duration filter) and carrying every other column that the matches,
   their score and their facets read (where.common, page.run_page). A search with no text and no
   place reads only this index (an index-only scan, whole or by duration range) and the
   listings of its page: 108 -> 38 ms for `category=sights&price_min=0&price_max=1500&
   duration_min=30&duration_max=240` (docs/benchmarks.md, Search, "Session 11").

Adding the column rewrites catalog_listing once, under an exclusive lock (about 10 s per 250,000
listings here); as `place` (0008) and `search_boost`, the model does not declare it.
"""

from django.db import migrations

# What where.score multiplied the text relevance by, in float8 (typed constants).
QUALITY = (
    "float8 '1'"
    " + (CASE WHEN image_url <> '' THEN float8 '0.2' ELSE float8 '0' END)"
    " + (CASE WHEN kind = 'experience' THEN float8 '0.3' ELSE float8 '0' END)"
    " + search_boost"
)

FORWARD = [
    f"ALTER TABLE catalog_listing ADD COLUMN search_quality float8"
    f" GENERATED ALWAYS AS ({QUALITY}) STORED",
    "CREATE INDEX listing_published_facts ON catalog_listing (duration_minutes)"
    " INCLUDE (id, category_id, host_id, price_amount, currency, min_group_size,"
    " max_group_size, created_at, search_quality, city, country_code, languages)"
    " WHERE status = 'published'",
]

BACKWARD = [
    "DROP INDEX listing_published_facts",
    "ALTER TABLE catalog_listing DROP COLUMN search_quality",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0014_listing_search_boost")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
