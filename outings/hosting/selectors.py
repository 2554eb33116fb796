"""Reads for the host pages. Everything is scoped to the host who asks."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from outings.accounts.models import HostProfile
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.photos.selectors import failed_photos
from outings.scheduling.models import Schedule, Slot

NEXT_SLOTS = 3


@dataclass
class ListingRow:
    listing: Listing
    next_slots: list[Slot] = field(default_factory=list)


@dataclass(frozen=True)
class Dashboard:
    rows: Sequence[ListingRow]
    rejected: Sequence[Listing]
    failed_photos: Sequence[ListingPhoto]

    @property
    def needs_attention(self) -> bool:
        return bool(self.rejected or self.failed_photos)


def host_listings(*, host: HostProfile) -> QuerySet[Listing]:
    return Listing.objects.filter(host=host).select_related("category")


def dashboard(*, host: HostProfile, now: datetime) -> Dashboard:
    """The host's listings (archived last) with their next slots and photo counts, and what needs
    the host's attention. Three queries whatever the number of listings."""
    listings = list(
        host_listings(host=host)
        .annotate(
            photo_count=Count("photos"),
            is_archived=Q(status=Listing.Status.ARCHIVED),
        )
        .order_by("is_archived", "-updated_at", "-id")
    )
    rows = {listing.pk: ListingRow(listing=listing) for listing in listings}
    upcoming = (
        Slot.objects.filter(listing__host=host, starts_at__gte=now, status=Slot.Status.OPEN)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("listing_id")], order_by=F("starts_at").asc())
        )
        .filter(rank__lte=NEXT_SLOTS)
        .order_by("listing_id", "starts_at")
    )
    for slot in upcoming:
        rows[slot.listing_id].next_slots.append(slot)
    rejected = [
        listing
        for listing in listings
        if listing.status == Listing.Status.DRAFT and listing.rejection_reason
    ]
    return Dashboard(
        rows=list(rows.values()),
        rejected=rejected,
        failed_photos=list(failed_photos(host=host)),
    )


def schedules_of(*, listing: Listing) -> list[Schedule]:
    return list(
        Schedule.objects.filter(listing=listing).prefetch_related("exceptions").order_by("pk")
    )


def upcoming_slots(*, listing: Listing, now: datetime, limit: int) -> list[Slot]:
    """The listing's next slots, cancelled ones included (the host sees them as such)."""
    return list(
        Slot.objects.filter(listing=listing, starts_at__gte=now).order_by("starts_at")[:limit]
    )


def public_host(*, host_id: int) -> HostProfile | None:
    return HostProfile.objects.filter(pk=host_id, suspended_at__isnull=True).first()


def public_listings_of(*, host: HostProfile) -> QuerySet[Listing]:
    return Listing.objects.public().filter(host=host).select_related("category").order_by("-id")
