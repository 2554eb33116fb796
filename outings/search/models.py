from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class ExchangeRate(models.Model):
    """How many units of a currency one euro buys; loaded from a file by
    `manage.py load_exchange_rates` (demo rates bundled in data/exchange_rates.csv)."""

    currency = models.CharField(max_length=3, primary_key=True)
    per_euro = models.DecimalField(max_digits=18, decimal_places=6)
    # Digits after the decimal point of the currency's minor unit (2 for EUR, 0 for JPY).
    exponent = models.PositiveSmallIntegerField(default=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.CheckConstraint(condition=models.Q(per_euro__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 EUR = {self.per_euro} {self.currency}"


class RankingVersion(models.Model):
    """The ranking version: moved by whatever changes the order of a search without changing
    its listings (services.refresh_ranking when it moves a quality, services.load_exchange_rates
    when the rates differ), which keeps what it replaced under the new version (below). A
    search's page statement reads it with the viewer's rate and the listings, in one snapshot,
    and its cursors carry it (engine/asof.py). One row, written in the transaction of the
    change: a search reads the version of the qualities and rates it reads, both committed or
    neither (a sequence moved for every reader at nextval(), before the change committed)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_ranking_version")]

    def __str__(self) -> str:
        return f"ranking version {self.version}"


# How many moves of the ranking version the two histories below keep: a page of a search read
# before that many moves can no longer be continued in its order (engine/cursors.py). The
# hourly refresh moves it at most once an hour, so this is two days of pages at least.
RANKING_HISTORY = 48


class RankingChange(models.Model):
    """A listing's quality factor (`catalog_listing.search_quality`, the score's) as it was
    before the ranking refresh that moved the ranking version to `version` changed it: the later
    pages of a ranked search read each listing's quality as its first page did (the value
    before the first move after that page's version), so that they continue its order. Written
    by services.refresh_ranking; the last RANKING_HISTORY versions are kept."""

    pk = models.CompositePrimaryKey("version", "listing_id")
    version = models.BigIntegerField()
    listing_id = models.BigIntegerField()  # no foreign key: a deleted listing matches nothing
    quality = models.FloatField()

    def __str__(self) -> str:
        return f"listing {self.listing_id} before ranking {self.version}: {self.quality}"


class PastExchangeRate(models.Model):
    """The exchange rates as they were before the set loaded at ranking version `version`
    replaced them: the later pages of a search read the rates its first page converted prices
    with (the set before the first load after that page's version), so that its prices (the
    price sorts' keys, the price filter and facet) do not move under its cursor. Written by
    services.load_exchange_rates; the last RANKING_HISTORY versions are kept."""

    pk = models.CompositePrimaryKey("version", "currency")
    version = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    per_euro = models.DecimalField(max_digits=18, decimal_places=6)
    exponent = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"1 EUR = {self.per_euro} {self.currency} before ranking {self.version}"


class Lexeme(models.Model):
    """Words of the published catalogue's titles, tags and places, for "did you mean" and
    autocomplete; refreshed by a periodic task (outings.search.tasks.refresh_lexicon)."""

    word = models.CharField(max_length=100, primary_key=True)
    documents = models.PositiveIntegerField()

    class Meta:
        indexes = [
            GinIndex(OpClass(Lower("word"), name="gin_trgm_ops"), name="lexeme_word_trgm"),
        ]

    def __str__(self) -> str:
        return self.word


class Suggestion(models.Model):
    """What autocomplete offers: listing titles, categories and places, normalised (lower case,
    no accents) for prefix and trigram matching. Refreshed with the lexicon."""

    class Kind(models.TextChoices):
        TITLE = "title", _("Thing to do")
        CATEGORY = "category", _("Category")
        PLACE = "place", _("Place")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    label = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200)
    weight = models.PositiveIntegerField(default=1)
    listing_id = models.BigIntegerField(null=True, blank=True)
    # For places: the centre of the catalogue's listings there, so "near Toronto" needs no
    # geocoding service.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # For places: the country it is in (one place per name and country: Paris, France and
    # Paris, Texas are two), which a search's `country` chooses by (related.find_place).
    country_code = models.CharField(max_length=2, blank=True, db_default="")
    # 0: the row of a suggestion, `normalized` its whole label. n > 0: a title's row for its
    # n-th word, `normalized` the title from that word on ("louvre" for "Musée du Louvre"), so
    # that a word inside a title finds it by its prefix (services.refresh_lexicon).
    word = models.PositiveSmallIntegerField(db_default=0)

    class Meta:
        indexes = [
            # Prefix matches: a range of this index, read without the table (covering), then
            # the few matches sorted by weight.
            models.Index(
                OpClass("normalized", name="text_pattern_ops"),
                name="suggestion_prefix",
                include=["weight", "kind", "label", "listing_id", "id"],
                condition=models.Q(word=0),
            ),
            # The words inside titles, read only when the starts found fewer than ten: an
            # index of their own, so that the starts' range never walks past them.
            models.Index(
                OpClass("normalized", name="text_pattern_ops"),
                name="suggestion_word_prefix",
                include=["weight", "kind", "label", "listing_id", "id"],
                condition=models.Q(word__gt=0),
            ),
            # Close spellings: GiST, because it can also return the nearest first (`<->`), so
            # the fill-up reads ten rows instead of ranking every similar one. Whole labels
            # only: a word's row is a part of one.
            GistIndex(
                OpClass("normalized", name="gist_trgm_ops"),
                name="suggestion_trgm",
                condition=models.Q(word=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.label}"
