"""The ranking's stored signals: services.refresh_ranking writes each listing's bookings and
freshness hourly (catalog_listing.search_boost), and the score reads them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outings.catalog.models import Listing
from outings.search.engine import search
from outings.search.query import SearchQuery
from outings.search.services import refresh_ranking

pytestmark = pytest.mark.django_db


def test_a_new_listing_ranks_above_an_identical_older_one_until_its_freshness_is_over(
    make_listing,
):
    fresh = make_listing("canal walk")
    aged = make_listing("canal walk")  # the higher id: first of the two were they equal
    Listing.objects.filter(pk=aged.pk).update(created_at=timezone.now() - timedelta(days=40))
    now = timezone.now()

    assert refresh_ranking(now=now) == 1  # the fresh one; the aged one's 0 is right already
    assert refresh_ranking(now=now) == 0  # a refresh rewrites only what moved
    assert [hit.listing_id for hit in search(SearchQuery(text="canal")).hits] == [
        fresh.pk,
        aged.pk,
    ]

    assert refresh_ranking(now=now + timedelta(days=30)) == 1
    assert [hit.listing_id for hit in search(SearchQuery(text="canal")).hits] == [
        aged.pk,
        fresh.pk,
    ]
