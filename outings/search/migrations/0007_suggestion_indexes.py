"""Autocomplete reads one row per distinct title, through a covering prefix index and a GiST
trigram index that returns the nearest spellings first (docs/benchmarks.md, "Search")."""

import django.contrib.postgres.indexes
from django.db import migrations, models

# services.refresh_lexicon now writes one suggestion per distinct normalised title; collapse the
# rows of the last refresh the same way (the first by weight keeps its label and listing, the
# weights add up), so that autocomplete does not wait for the next hourly refresh. Through
# TRUNCATE, not DELETE: rows deleted in this transaction would still be in the new indexes
# (nine in ten on the bench catalogue), and the GiST index is read whole by every `%` search.
COLLAPSE_TITLES = [
    """CREATE TEMPORARY TABLE suggestion_collapsed AS
       SELECT id, kind, label, normalized, weight, listing_id, latitude, longitude
       FROM search_suggestion WHERE kind <> 'title'
       UNION ALL
       (SELECT DISTINCT ON (normalized) id, kind, label, normalized,
               sum(weight) OVER (PARTITION BY normalized), listing_id, latitude, longitude
        FROM search_suggestion WHERE kind = 'title'
        ORDER BY normalized, weight DESC, listing_id, id)""",
    "TRUNCATE search_suggestion",
    """INSERT INTO search_suggestion
           (id, kind, label, normalized, weight, listing_id, latitude, longitude)
       SELECT id, kind, label, normalized, weight, listing_id, latitude, longitude
       FROM suggestion_collapsed""",
    "DROP TABLE suggestion_collapsed",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0006_place_index")]

    operations = [
        migrations.RunSQL(COLLAPSE_TITLES, migrations.RunSQL.noop),
        migrations.RemoveIndex(model_name="suggestion", name="suggestion_prefix"),
        migrations.RemoveIndex(model_name="suggestion", name="suggestion_trgm"),
        migrations.AddIndex(
            model_name="suggestion",
            index=models.Index(
                django.contrib.postgres.indexes.OpClass("normalized", name="text_pattern_ops"),
                include=("weight", "kind", "label", "listing_id", "id"),
                name="suggestion_prefix",
            ),
        ),
        migrations.AddIndex(
            model_name="suggestion",
            index=django.contrib.postgres.indexes.GistIndex(
                django.contrib.postgres.indexes.OpClass("normalized", name="gist_trgm_ops"),
                name="suggestion_trgm",
            ),
        ),
    ]
