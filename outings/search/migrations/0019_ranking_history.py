"""What a later page of a search needs to continue its first page's order after the ranking
version moved: each listing's quality before a ranking refresh changed it (`RankingChange`)
and the exchange rates before a new set replaced them (`PastExchangeRate`), both under the
version that moved. The last `RANKING_HISTORY` versions are kept (models.py).

The version itself moves from the sequence of 0018 to a row (`RankingVersion`) that the change
writes in its own transaction: a sequence moved for every reader at nextval(), before the
change committed, so a search in between was signed with the new version but read the old
qualities. It starts past anything that history could cover: a cursor signed before this
migration carries a version whose later moves were not recorded, so it is refused with "start
again" (as it was after any refresh) rather than continued with the qualities of now."""

from django.db import migrations, models

# 1000: more than RANKING_HISTORY (48) will ever be.
FORWARD = [
    """INSERT INTO search_rankingversion (id, version)
       SELECT 1, CASE WHEN is_called THEN last_value ELSE 0 END + 1000
       FROM outings_ranking_version""",
    "DROP SEQUENCE outings_ranking_version",
]
BACKWARD = [
    "CREATE SEQUENCE outings_ranking_version",
    """SELECT setval('outings_ranking_version', greatest(version, 1))
       FROM search_rankingversion""",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0018_ranking_version")]

    operations = [
        migrations.CreateModel(
            name="RankingVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("version", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(id=1), name="one_ranking_version")
                ],
            },
        ),
        migrations.CreateModel(
            name="PastExchangeRate",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "version",
                        "currency",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("version", models.BigIntegerField()),
                ("currency", models.CharField(max_length=3)),
                ("per_euro", models.DecimalField(decimal_places=6, max_digits=18)),
                ("exponent", models.PositiveSmallIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name="RankingChange",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "version",
                        "listing_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("version", models.BigIntegerField()),
                ("listing_id", models.BigIntegerField()),
                ("quality", models.FloatField()),
            ],
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
