"""Reads of slots and of listings by their availability."""

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from outings.accounts.models import HostProfile
from outings.bookings.models import Booking
from outings.bookings.selectors import SEATS_LEFT_SQL, with_seats_left
from outings.catalog.models import Category, Listing
from outings.scheduling.models import Slot


def bookable_slots(*, now: datetime) -> QuerySet[Slot]:
    """Open slots that have not started and still have a seat, counting lapsed holds as free.
    A slot starting at `now` has started, as the hold reads it (bookings.services.seats._TAKE:
    `starts_at > now`): offered here, it was then refused."""
    lapsed = Booking.objects.filter(
        slot=OuterRef("pk"), status__in=Booking.PENDING, expires_at__lte=now
    )
    return Slot.objects.filter(status=Slot.Status.OPEN, starts_at__gt=now).filter(
        Q(seats_taken__lt=F("capacity")) | Exists(lapsed)
    )


def upcoming_slots(*, listing_id: int, now: datetime, limit: int) -> list[Slot]:
    """The next open slots of a listing, soonest first, sold-out ones included (they show as
    such), with exact seats left; not one starting at `now`, which the hold refuses as begun.
    Served by the (listing, starts_at) unique index."""
    return list(
        with_seats_left(
            Slot.objects.filter(listing_id=listing_id, status=Slot.Status.OPEN, starts_at__gt=now),
            now=now,
        ).order_by("starts_at")[:limit]
    )


_FEATURED_SQL = """
SELECT picked.id
FROM {category} AS c
CROSS JOIN LATERAL (
    SELECT l.id
    FROM {listing} AS l
    JOIN {host} AS h ON h.id = l.host_id
    WHERE l.category_id = c.id
      AND l.status = %(published)s
      AND h.suspended_at IS NULL
      AND l.kind = %(experience)s
      AND l.price_amount > 0
      AND EXISTS (
          SELECT 1 FROM {slot} AS s
          WHERE s.listing_id = l.id
            AND s.status = %(open)s
            AND s.starts_at > %(now)s
            AND (s.seats_taken < s.capacity OR {seats_left} > 0)
      )
    ORDER BY l.id DESC
    LIMIT %(per_category)s
) AS picked
ORDER BY c.position, picked.id DESC
"""


def featured_experiences(*, now: datetime, per_category: int) -> list[Listing]:
    """A few bookable experiences per category: public, priced, with at least one upcoming slot
    that has a seat. Ordered by category position, newest first within a category; each carries
    `next_start`, its soonest bookable start. Two queries whatever the catalogue size.

    A lateral join stops after `per_category` hits in each category, so the cost follows the
    number of categories rather than the number of listings."""
    sql = _FEATURED_SQL.format(
        category=Category._meta.db_table,
        listing=Listing._meta.db_table,
        host=HostProfile._meta.db_table,
        slot=Slot._meta.db_table,
        seats_left=SEATS_LEFT_SQL,
    )
    params: dict[str, Any] = {
        "published": Listing.Status.PUBLISHED.value,
        "experience": Listing.Kind.EXPERIENCE.value,
        "open": Slot.Status.OPEN.value,
        "now": now,
        "per_category": per_category,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    next_start = (
        bookable_slots(now=now)
        .filter(listing_id=OuterRef("pk"))
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    by_id = {
        listing.pk: listing
        for listing in Listing.objects.filter(pk__in=ids)
        .select_related("category", "host")
        .annotate(next_start=Subquery(next_start))
    }
    return [by_id[pk] for pk in ids if pk in by_id]
