"""The public catalogue as the API reads it. Only published listings of hosts who are not
suspended exist here (Listing.objects.public()); anything else is not found."""

from datetime import datetime

from django.db.models import QuerySet

from outings.catalog.models import Category, Listing
from outings.common.errors import NotFound
from outings.scheduling.models import Slot


def categories() -> QuerySet[Category]:
    return Category.objects.all()


def public_listings(
    *,
    category: str | None = None,
    city: str | None = None,
    country: str | None = None,
    price_min: int | None = None,
    price_max: int | None = None,
) -> QuerySet[Listing]:
    listings = Listing.objects.public().select_related("category", "host")
    if category is not None:
        listings = listings.filter(category__slug=category)
    if city is not None:
        listings = listings.filter(city__iexact=city)
    if country is not None:
        listings = listings.filter(country_code=country.upper())
    if price_min is not None:
        listings = listings.filter(price_amount__gte=price_min)
    if price_max is not None:
        listings = listings.filter(price_amount__lte=price_max)
    return listings


def get_public_listing(*, listing_id: int, among: QuerySet[Listing] | None = None) -> Listing:
    """One public listing; `among`, a narrower queryset of public listings (fewer columns),
    to read it from. get(), not first(): a primary key needs no ORDER BY, which costs compiling."""
    try:
        return (public_listings() if among is None else among).get(pk=listing_id)
    except Listing.DoesNotExist:
        raise NotFound() from None


def upcoming_open_slots(*, listing_id: int, now: datetime) -> QuerySet[Slot]:
    """Open slots of a public listing that have not started; NotFound for any other listing."""
    if not Listing.objects.public().filter(pk=listing_id).exists():
        raise NotFound()
    return Slot.objects.filter(listing_id=listing_id, status=Slot.Status.OPEN, starts_at__gt=now)
