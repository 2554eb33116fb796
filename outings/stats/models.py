from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from outings.catalog.models import Listing


class ListingDay(models.Model):
    """Views and bookings of one listing on one of its days (midnight to midnight in its time
    zone; rows written before session 20 are UTC days), for the host dashboard."""

    listing = models.ForeignKey(  # listing_day_unique in Meta leads with it
        Listing, on_delete=models.CASCADE, related_name="daily_stats", db_index=False
    )
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)
    bookings = models.PositiveIntegerField(_("bookings"), default=0)

    class Meta:
        verbose_name = _("listing day")
        verbose_name_plural = _("listing days")
        indexes = [
            # The listings with a recent day (selectors.most_viewed_listings): a range of days.
            models.Index(fields=["day", "listing"], name="listing_day_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["listing", "day"], name="listing_day_unique"),
            models.CheckConstraint(condition=Q(views__gte=0), name="listing_day_views_positive"),
        ]

    def __str__(self) -> str:
        return f"listing {self.listing_id} on {self.day}: {self.views} views"


class FlushedBatch(models.Model):
    """A batch of buffered views (one day's hash taken from Redis) already added to ListingDay,
    written in the same transaction: a flush that finds its batch here (Redis failed after the
    database's commit, so the batch stayed in Redis) deletes the batch without adding it again.
    Kept for stats.services.FLUSHED_BATCHES_KEPT."""

    token = models.UUIDField(primary_key=True)
    flushed_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"views batch {self.token}, flushed at {self.flushed_at}"
