"""A ranking version: moved by the hourly refresh_ranking (services) whenever it changes any
listing's stored boost, and so the scores of a ranked search. A ranked search's cursor carries
the version its page was scored under, and is refused after it moved (engine/cursors.py): its
sort key, a score, cannot be compared with the new ones."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0017_websearch_in_every_language")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE outings_ranking_version;",
            "DROP SEQUENCE IF EXISTS outings_ranking_version;",
        )
    ]
