"""More like this: listings without a bookable date are left out before the candidates are
counted, so that they cannot crowd out the similar listings that can be booked."""

from typing import Any

import pytest

from outings.catalog.models import Listing
from outings.search.related import similar

pytestmark = pytest.mark.django_db


def _copies(template: Listing, count: int) -> None:
    Listing.objects.bulk_create(
        Listing(
            **{
                field.attname: getattr(template, field.attname)
                for field in Listing._meta.concrete_fields
                if not field.primary_key and not field.generated
            }
        )
        for _ in range(count)
    )


def test_more_like_this_is_not_crowded_out_by_listings_without_a_bookable_date(
    make_listing: Any, make_slot: Any
) -> None:
    """The candidates (500 sharing every word, the 500 best of the first 1,000 sharing any,
    the 50 nearest of the category) were taken before the listings without a bookable date
    were left out: a thousand such like listings, first in the table and nearest (a host's
    past season, dates sold out), left none of the bookable ones, and nothing came back."""
    me = make_listing("Harbour kayak tour", latitude=43.60, longitude=-79.40)
    unbookable = make_listing("Harbour kayak tour", latitude=43.60, longitude=-79.40)
    _copies(unbookable, 1_000)
    for listing in Listing.objects.filter(title="Harbour kayak tour").exclude(pk=me.pk)[:3]:
        make_slot(listing, in_days=2, capacity=4, taken=4)  # sold out
        make_slot(listing, in_days=-2)  # past
    real = [
        make_listing(title, latitude=43.65, longitude=-79.38)
        for title in ("Harbour kayak lesson", "Kayak tour of the islands", "Harbour tour")
    ]
    for listing in real:
        make_slot(listing, in_days=2)
    place = make_listing("Harbour kayak club", kind="place", latitude=43.7, longitude=-79.3)

    found = similar(listing_id=me.pk, limit=4)

    assert sorted(s.listing_id for s in found) == sorted([place.pk, *(r.pk for r in real)])


def test_more_like_this_still_ranks_the_bookable_by_shared_words(
    make_listing: Any, make_slot: Any
) -> None:
    me = make_listing("Harbour kayak tour at sunset")
    most = make_listing("Sunset harbour kayak tour", category="outdoors")
    fewer = make_listing("Sunset kayak paddle", category="outdoors")
    make_listing("Sunset harbour kayak tour at dusk")  # no date at all
    for listing in (most, fewer):
        make_slot(listing, in_days=2)

    assert [s.listing_id for s in similar(listing_id=me.pk)] == [most.pk, fewer.pk]
