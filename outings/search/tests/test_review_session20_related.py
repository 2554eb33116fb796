"""More like this: the hidden listings are left out before the candidates are counted."""

from typing import Any

import pytest
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.catalog.models import Listing
from outings.search.related import similar

pytestmark = pytest.mark.django_db


def test_more_like_this_is_not_crowded_out_by_a_suspended_hosts_listings(
    make_listing: Any, make_slot: Any
) -> None:
    """The candidates (500 sharing every word, the 500 best of the first 1,000 sharing any,
    the 50 nearest of the category) were taken before the suspended hosts were left out: one
    suspended host with 1,000 such listings, first in the table and nearest, left none of
    the real ones, and fewer than the asked number came back."""
    me = make_listing("Harbour kayak tour", latitude=43.60, longitude=-79.40)
    user = User.objects.create(username="gone", email="gone@example.org")
    gone = HostProfile.objects.create(user=user, display_name="Gone", suspended_at=timezone.now())
    template = make_listing("Harbour kayak tour", latitude=43.60, longitude=-79.40)
    Listing.objects.bulk_create(
        Listing(
            **{
                field.attname: getattr(template, field.attname)
                for field in Listing._meta.concrete_fields
                if not field.primary_key and not field.generated
            }
            | {"host_id": gone.pk}
        )
        for _ in range(1_000)
    )
    template.host = gone
    template.save(update_fields=["host"])
    for listing in Listing.objects.filter(host=gone)[:3]:
        make_slot(listing, in_days=2)  # bookable, were it shown
    real = [
        make_listing(title, latitude=43.65, longitude=-79.38)
        for title in ("Harbour kayak lesson", "Kayak tour of the islands", "Harbour tour")
    ]
    for listing in real:
        make_slot(listing, in_days=2)

    found = similar(listing_id=me.pk, limit=3)

    assert sorted(s.listing_id for s in found) == sorted(listing.pk for listing in real)
