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

    class Meta:
        indexes = [
            # Prefix matches: a range of this index, read without the table (covering), then
            # the few matches sorted by weight.
            models.Index(
                OpClass("normalized", name="text_pattern_ops"),
                name="suggestion_prefix",
                include=["weight", "kind", "label", "listing_id", "id"],
            ),
            # Close spellings: GiST, because it can also return the nearest first (`<->`), so
            # the fill-up reads ten rows instead of ranking every similar one.
            GistIndex(OpClass("normalized", name="gist_trgm_ops"), name="suggestion_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.label}"
