from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum

from outings.catalog.models import Listing
from outings.stats.models import ListingDay


@dataclass(frozen=True)
class Day:
    day: date
    views: int
    bookings: int


def listing_days(*, listing_id: int, first: date, last: date) -> list[Day]:
    """Views and bookings of a listing for every day from `first` to `last` inclusive (UTC days),
    days without any as zeros. Views of the last minute or so are still in the buffer. Callers
    must check that the asker may see this listing (its host or staff)."""
    rows = {
        row.day: row
        for row in ListingDay.objects.filter(listing_id=listing_id, day__range=(first, last))
    }
    days = []
    day = first
    while day <= last:
        row = rows.get(day)
        days.append(
            Day(day=day, views=row.views if row else 0, bookings=row.bookings if row else 0)
        )
        day += timedelta(days=1)
    return days


def most_viewed_listings(*, since: date, limit: int) -> list[int]:
    """Ids of the public listings viewed most since `since` (UTC days), most first; listings
    with the same views by id."""
    return list(
        Listing.objects.public()
        .filter(daily_stats__day__gte=since)
        .annotate(recent_views=Sum("daily_stats__views"))
        .filter(recent_views__gt=0)
        .order_by("-recent_views", "id")
        .values_list("id", flat=True)[:limit]
    )
