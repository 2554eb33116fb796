from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from outings.accounts.models import HostProfile

# Our taxonomy. Names live in code so that they go through the translation catalogue.
CATEGORY_NAMES = {
    "tours": _("Tours and walks"),
    "outdoors": _("Outdoors and nature"),
    "sights": _("Sights and landmarks"),
    "food": _("Food and drink"),
    "arts": _("Art and exhibitions"),
    "performances": _("Shows and theatre"),
    "music": _("Music"),
    "film": _("Film"),
    "workshops": _("Classes and workshops"),
    "talks": _("Talks and literature"),
    "family": _("Family and kids"),
    "festivals": _("Festivals and celebrations"),
    "sports": _("Sports and activities"),
    "community": _("Community and causes"),
    "other": _("Other things to do"),
}


class Category(models.Model):
    slug = models.SlugField(unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return str(CATEGORY_NAMES.get(self.slug, self.slug))


class License(models.TextChoices):
    """The licence each imported row came under; the attribution text follows from it."""

    OWN = "own", _("Published on Outings")
    TORONTO = "ogl-toronto", _("Open Government Licence – Toronto")
    MADRID = "madrid-open-data", _("Ayuntamiento de Madrid open data")
    NPS = "us-public-domain", _("U.S. public domain")
    WIKIVOYAGE = "cc-by-sa-3.0", _("CC BY-SA 3.0")


class ListingQuerySet(models.QuerySet["Listing"]):
    def public(self) -> "ListingQuerySet":
        return self.filter(status=Listing.Status.PUBLISHED, host__suspended_at__isnull=True)


class Listing(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        PUBLISHED = "published", _("Published")
        PAUSED = "paused", _("Paused")
        ARCHIVED = "archived", _("Archived")

    class Kind(models.TextChoices):
        EXPERIENCE = "experience", _("Experience")
        PLACE = "place", _("Place to visit")

    host = models.ForeignKey(HostProfile, on_delete=models.PROTECT, related_name="listings")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="listings")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.EXPERIENCE)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)

    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    tags = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    # The language the text is written in (drives the search configuration) ...
    content_language = models.CharField(max_length=8, default="en")
    # ... and the languages the experience is offered in.
    languages = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration"), null=True, blank=True)
    # Money as integer minor units plus an ISO 4217 code.
    price_amount = models.PositiveIntegerField(_("price per person"), default=0)
    currency = models.CharField(max_length=3, default="EUR")

    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country_code = models.CharField(_("country"), max_length=2, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")

    image_url = models.URLField(
        max_length=1000, blank=True, help_text=_("An external image: linked, never copied.")
    )
    source = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    source_url = models.URLField(max_length=1000, blank=True)
    license = models.CharField(max_length=20, choices=License.choices, default=License.OWN)
    is_demo = models.BooleanField(default=False)
    generated_fields = ArrayField(
        models.CharField(max_length=20),
        default=list,
        blank=True,
        help_text=_("Fields the demo importer generated because the source lacks them."),
    )
    content_hash = models.CharField(max_length=32, blank=True)
    # The search document, written by a database trigger in the same statement as every insert
    # or update (outings/search/migrations): it can never be stale and no reindex job exists.
    search_vector = SearchVectorField(null=True, editable=False)

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ListingQuerySet.as_manager()

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source=""),
                name="listing_unique_source_id",
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90) | Q(latitude__isnull=True),
                name="listing_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180) | Q(longitude__isnull=True),
                name="listing_longitude_range",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="listing_version_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "id"], name="listing_status_id"),
            models.Index(fields=["city"], name="listing_city"),
            models.Index(fields=["country_code"], name="listing_country"),
            GinIndex(fields=["search_vector"], name="listing_search_vector"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("web:listing", kwargs={"pk": self.pk})

    @property
    def attribution(self) -> str:
        """The credit line the row's licence asks for, shown on every page that displays it."""
        match self.license:
            case License.TORONTO:
                return "Contains information licensed under the Open Government Licence – Toronto."
            case License.MADRID:
                return "Origen de los datos: Ayuntamiento de Madrid"
            case License.NPS:
                return "Source: U.S. National Park Service"
            case License.WIKIVOYAGE:
                return f"Listing from Wikivoyage ({self.source_url}), CC BY-SA 3.0"
        return ""
