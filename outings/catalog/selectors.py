"""Reads of the catalogue that pages and the API share.

Everything here starts from `Listing.objects.public()`: a draft, a paused listing or one whose host
is suspended is invisible (404 on its page, absent from every list).
"""

from dataclasses import dataclass

from django.db.models import Count, FloatField, Func, Q, Value
from django.shortcuts import get_object_or_404

from outings.catalog.models import Category, Listing, ListingQuerySet


@dataclass(frozen=True)
class ListingPage:
    """One page of a keyset-paginated list. `next_after` is the id to continue after, or None on
    the last page."""

    listings: list[Listing]
    next_after: int | None


@dataclass(frozen=True)
class CategoryCount:
    category: Category
    listing_count: int


class _StoredPlace(Func):
    """The listing's point on the earth as stored: catalog_listing.place, a column PostgreSQL
    generates from latitude and longitude, GiST-indexed (search.0008_listing_place; the model does
    not declare it)."""

    template = '"catalog_listing"."place"'
    arity = 0
    output_field = FloatField()  # an `earth` (cube) value; only ever passed to the two below


class _LlToEarth(Func):
    """PostgreSQL earthdistance: a (latitude, longitude) pair as a point on the earth's surface."""

    function = "ll_to_earth"
    output_field = FloatField()  # an `earth` (cube) value; only ever passed to the two below


class _EarthDistance(Func):
    """Great-circle distance in metres between two `earth` points."""

    function = "earth_distance"
    output_field = FloatField()


class _Chord(Func):
    """The chord length between two `earth` points (`<->`): ordered like the great-circle
    distance, and what a GiST index on the first can return nearest first."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    arity = 2
    output_field = FloatField()


def public_listings() -> ListingQuerySet:
    """Published listings of hosts in good standing, with what a card shows already joined."""
    return Listing.objects.public().select_related("category", "host")


def get_public_listing(*, listing_id: int) -> Listing:
    """The public listing with this id; Http404 when it is missing, unpublished or its host is
    suspended (the same answer for all three, so nothing leaks)."""
    return get_object_or_404(public_listings(), pk=listing_id)


def list_public_listings(
    *, category_id: int | None, city: str | None, after_id: int | None, size: int
) -> ListingPage:
    """Newest first, keyset-paginated on id: one query whatever `size` is.

    Continuing after an id (rather than skipping an offset) means that listings published while
    someone pages through neither repeat an item nor hide one: new rows have higher ids and land
    before the reader's position."""
    listings = public_listings().order_by("-id")
    if category_id is not None:
        listings = listings.filter(category_id=category_id)
    if city:
        listings = listings.filter(city=city)
    if after_id is not None:
        listings = listings.filter(id__lt=after_id)
    rows = list(listings[: size + 1])  # one extra row says whether a next page exists
    if len(rows) > size:
        return ListingPage(listings=rows[:size], next_after=rows[size - 1].pk)
    return ListingPage(listings=rows, next_after=None)


def categories_with_counts() -> list[CategoryCount]:
    """Every category in display order with the number of its public listings (zeros included)."""
    public = Q(listings__status=Listing.Status.PUBLISHED) & Q(
        listings__host__suspended_at__isnull=True
    )
    # Explicit order: Meta.ordering is not applied to a GROUP BY query.
    categories = Category.objects.annotate(listing_count=Count("listings", filter=public)).order_by(
        "position"
    )
    return [CategoryCount(category=c, listing_count=c.listing_count) for c in categories]


def list_categories() -> list[Category]:
    return list(Category.objects.all())


def nearest_listings(*, latitude: float, longitude: float, limit: int) -> list[Listing]:
    """The public listings closest to a point by great-circle distance, nearest first, each with
    `distance_m` (metres).

    Nearest first comes from the GiST index on the stored point, which reads only the first
    `limit` listings: `<->` between two earth points is the chord length, which grows with the
    great-circle distance, so the index order is the true order. A second sort key would make
    PostgreSQL sort every listing instead (114 ms against 1.5 ms on the bench catalogue), so
    listings at the very same place are put in id order here, after the query."""
    here = _LlToEarth(Value(latitude), Value(longitude))
    nearest = (
        public_listings()
        .filter(latitude__isnull=False, longitude__isnull=False)
        .annotate(distance_m=_EarthDistance(_StoredPlace(), here))
        .order_by(_Chord(_StoredPlace(), here))[:limit]
    )
    # distance_m is an annotation: set on each instance, unknown to the model's type.
    return sorted(nearest, key=lambda listing: (listing.__dict__["distance_m"], listing.pk))


@dataclass(frozen=True)
class CityPicks:
    """The city with the most public listings and the ids of its newest ones, newest first."""

    city: str
    listing_ids: list[int]


def busiest_city(*, newest: int) -> CityPicks | None:
    """The city with the most public listings and its `newest` newest, or None when no listing
    names a city. Two statements that read most of the catalogue (the newest of a city imported
    long ago are found by walking the primary key back past every later listing: PostgreSQL
    prices the index on city higher), so the home page keeps the answer as an aggregate,
    refreshed ahead of time (outings.web.warming)."""
    row = (
        Listing.objects.public()
        .exclude(city="")
        .values("city")
        .annotate(n=Count("id"))
        .order_by("-n", "city")
        .first()
    )
    if row is None:
        return None
    city = str(row["city"])
    ids = Listing.objects.public().filter(city=city).order_by("-id").values_list("id", flat=True)
    return CityPicks(city=city, listing_ids=list(ids[:newest]))


def public_listings_by_ids(*, ids: list[int]) -> list[Listing]:
    """The listings with these ids that are public now, in the order given: an aggregate's picks,
    read fresh (one that was unpublished since is left out)."""
    by_id = {listing.pk: listing for listing in public_listings().filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]
