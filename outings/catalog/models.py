from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
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


# Where each licence is published: the Toronto licence asks for a link "where possible", CC
# licences for their URI; the U.S. public domain has no licence to link.
LICENSE_URLS: dict[str, str] = {
    License.TORONTO: "https://open.toronto.ca/open-data-license/",
    License.MADRID: "https://datos.madrid.es/egob/catalogo/aviso-legal",
    License.WIKIVOYAGE: "https://creativecommons.org/licenses/by-sa/3.0/",
}


class CancellationPolicy(models.TextChoices):
    """What a guest gets back when they cancel; defined precisely in docs/hosting.md."""

    FLEXIBLE = "flexible", _("Flexible: full refund up to 24 hours before the start")
    MODERATE = "moderate", _("Moderate: full refund up to 5 days before the start")
    STRICT = "strict", _("Strict: half refund up to 7 days before the start")


# How long a date of a listing that states no duration lasts. The duration is optional (an
# imported place has none; staff may clear it in the admin), yet every date needs an end
# (slot_ends_after_start): an hour, what a listing created without a duration is given
# (services.validation.ListingData) and the shortest length the importer makes up for an event.
DEFAULT_SLOT_MINUTES = 60
# The most seats one booking takes, whatever a listing allows (outings.bookings); a listing's
# smallest group above it could never be booked.
MAX_SEATS = 50


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
    category = models.ForeignKey(  # listing_category_id in Meta leads with it
        Category, on_delete=models.PROTECT, related_name="listings", db_index=False
    )
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
    # When the importer took the listing off the site (paused it) because its item was no longer
    # in the source; cleared, and the listing published again, when the item comes back, and
    # cleared by any other change of state (catalog.services.move_listings).
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What the importer last wrote, field by field (a short digest of each value): a field whose
    # value no longer matches was edited here, and later imports keep it (importers/writer.py).
    imported_digests = models.JSONField(default=dict, blank=True, editable=False)
    # The search document, written by a database trigger in the same statement as every insert
    # or update (outings/search/migrations): it can never be stale and no reindex job exists.
    search_vector = SearchVectorField(null=True, editable=False)

    version = models.PositiveIntegerField(default=1)
    # The photos' order, moved forward whenever photos change places (a reorder, or a delete that
    # closes the gap; an upload goes last and moves nobody): a reorder says which order it was
    # based on, and the API's photo pages are bound to it (outings/catalog/photos/services.py).
    photo_order_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # --- What a host offers (issue 4). Written only by outings.catalog.services. ---
    # The Markdown `description` rendered and sanitised (nh3): safe to show as is.
    description_html = models.TextField(blank=True, editable=False)
    min_group_size = models.PositiveSmallIntegerField(_("smallest group per booking"), default=1)
    max_group_size = models.PositiveSmallIntegerField(_("largest group per booking"), default=10)
    meeting_point = models.CharField(
        _("meeting point"),
        max_length=300,
        blank=True,
        help_text=_("How guests find you at the address, e.g. 'by the clock tower'."),
    )
    cancellation_policy = models.CharField(
        _("cancellation policy"),
        max_length=10,
        choices=CancellationPolicy.choices,
        default=CancellationPolicy.FLEXIBLE,
    )
    # --- How it is booked (issue 7). ---
    instant_booking = models.BooleanField(
        _("instant booking"),
        default=True,
        # Not a number of hours: a help text is written into the migrations, and the hours
        # are the deployment's (the host's form gives them).
        help_text=_(
            "Off: each booking is a request you accept or decline within BOOKINGS_REQUEST_HOURS "
            "hours, and before its date starts at the latest."
        ),
    )
    min_guests = models.PositiveSmallIntegerField(
        _("minimum guests per date"),
        default=0,
        help_text=_("0: no minimum. Below it at the cut-off, the date is cancelled and refunded."),
    )
    min_guests_cutoff_hours = models.PositiveSmallIntegerField(
        _("minimum decided hours before the start"), default=48
    )
    included = models.TextField(_("what's included"), blank=True)
    requirements = models.TextField(_("requirements"), blank=True)
    # Why staff sent a submitted listing back to draft; cleared when it is submitted again.
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

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
            models.CheckConstraint(
                condition=Q(min_group_size__gte=1, max_group_size__gte=F("min_group_size")),
                name="listing_group_size_range",
            ),
            # A smallest group no booking can take (at most MAX_SEATS) is never booked.
            models.CheckConstraint(
                condition=Q(min_group_size__lte=MAX_SEATS), name="listing_min_group_bookable"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "id"], name="listing_status_id"),
            # The home page's featured experiences, newest first in each category
            # (scheduling.selectors.featured_experiences): most listings are places, and the
            # primary key walked backwards read 23,000 of them per category (257 -> 1 ms on
            # the real catalogue).
            models.Index(
                fields=["category", "-id"],
                name="listing_featured",
                condition=Q(status="published", kind="experience", price_amount__gt=0),
            ),
            # Newest first in a city or a category (the list of things to do, the home page's
            # city): with the city or category alone PostgreSQL walked the primary key backwards
            # and read 23,000 listings to find Madrid's newest eight (22 ms against 0.1).
            models.Index(fields=["city", "id"], name="listing_city_id"),
            models.Index(fields=["category", "id"], name="listing_category_id"),
            models.Index(fields=["country_code"], name="listing_country"),
            GinIndex(fields=["search_vector"], name="listing_search_vector"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("web:listing", kwargs={"pk": self.pk})

    @property
    def slot_minutes(self) -> int:
        """How long each date of the listing lasts, in minutes: its duration, or
        DEFAULT_SLOT_MINUTES when it states none (or 0: a date must end after it starts)."""
        return self.duration_minutes or DEFAULT_SLOT_MINUTES

    @property
    def is_public(self) -> bool:
        """What ListingQuerySet.public() selects, for a listing in hand (load it with its host)."""
        return self.status == Listing.Status.PUBLISHED and self.host.suspended_at is None

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
                return (
                    f"Listing from Wikivoyage ({self.source_url}), CC BY-SA 3.0; "
                    "nearest town from GeoNames, CC BY 4.0"
                )
        return ""

    @property
    def license_url(self) -> str:
        """Where the row's licence is published ("" for none: public domain, our own)."""
        return LICENSE_URLS.get(self.license, "")


class ListingPhoto(models.Model):
    """A photo of a listing: the uploaded image, checked and re-encoded without its metadata
    (`image`), and the renditions a background task makes from it (outings/catalog/photos)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being processed")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    listing = models.ForeignKey(  # photo_listing_order in Meta leads with it
        Listing, on_delete=models.CASCADE, related_name="photos", db_index=False
    )
    image = models.FileField(_("image"), max_length=255)
    alt_text = models.CharField(_("description for screen readers"), max_length=250, blank=True)
    # Moved forward by every change of the description: an edit says which version it is based on.
    version = models.PositiveIntegerField(default=1)
    position = models.PositiveSmallIntegerField(default=0)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # {"card": {"webp": "<storage name>", "jpeg": "<storage name>", "width": 800, ...}, ...}
    renditions = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["listing", "position", "id"], name="photo_listing_order")]

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.alt_text or self.image.name}"


# What an AuditEntry's `action` says, as the code writes it (catalog.services, accounts.services,
# the importer): the admin's filter offers these, without reading the table for them.
AUDIT_ACTIONS = (
    *("created", "edited", "submitted", "published", "approved", "rejected", "paused"),
    *("resumed", "archived", "withdrawn", "restored", "host_suspended", "host_reinstated"),
)


class AuditEntry(models.Model):
    """One line of the moderation history: every state change of a listing and every staff
    action on a host. Written in the same transaction as the change it records."""

    # audit_listing and audit_host in Meta lead with these: no index of their own.
    listing = models.ForeignKey(
        Listing,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_entries",
        db_index=False,
    )
    host = models.ForeignKey(
        HostProfile,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_entries",
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["listing", "-id"], name="audit_listing"),
            models.Index(fields=["host", "-id"], name="audit_host"),
        ]

    def __str__(self) -> str:
        return f"{self.action} ({self.from_status} → {self.to_status})"
