"""Autocomplete reads one row per distinct title, through a covering prefix index and a GiST
trigram index that returns the nearest spellings first (docs/benchmarks.md, "Search")."""

import django.contrib.postgres.indexes
from django.db import migrations, models

# services.refresh_lexicon now writes one suggestion per distinct normalised title; collapse the
# rows of the last refresh the same way (the first by weight keeps its label and listing, the
# weights add up), so that autocomplete does not wait for the next hourly refresh.
COLLAPSE_TITLES = """
WITH ranked AS (
    SELECT id,
           row_number() OVER (PARTITION BY normalized ORDER BY weight DESC, listing_id, id) AS n,
           sum(weight) OVER (PARTITION BY normalized) AS total
    FROM search_suggestion WHERE kind = 'title'
), gone AS (
    DELETE FROM search_suggestion s USING ranked r WHERE s.id = r.id AND r.n > 1
)
UPDATE search_suggestion s SET weight = r.total FROM ranked r WHERE s.id = r.id AND r.n = 1
"""


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
