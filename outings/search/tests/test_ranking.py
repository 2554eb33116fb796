"""The ranking's stored signals: services.refresh_ranking writes each listing's bookings and
freshness hourly (catalog_listing.search_boost), and the score reads them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from outings.catalog.models import Listing
from outings.common.tests.schema import columns_read, index_columns
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


def test_a_photo_or_being_an_experience_ranks_a_listing_higher_from_the_statement_that_sets_it(
    make_listing,
):
    """The quality factor is a column PostgreSQL generates (search.0015): no refresh to wait for."""
    plain = make_listing("harbour cruise", image_url="", kind=Listing.Kind.PLACE)
    other = make_listing("harbour cruise", image_url="", kind=Listing.Kind.PLACE)
    assert [hit.listing_id for hit in search(SearchQuery(text="harbour")).hits] == [
        other.pk,  # equal scores: the higher id first
        plain.pk,
    ]

    Listing.objects.filter(pk=plain.pk).update(image_url="https://example.org/cruise.jpg")
    assert [hit.listing_id for hit in search(SearchQuery(text="harbour")).hits] == [
        plain.pk,
        other.pk,
    ]

    other.kind = Listing.Kind.EXPERIENCE  # +0.3 beats the photo's +0.2
    other.save(update_fields=["kind"])
    assert [hit.listing_id for hit in search(SearchQuery(text="harbour")).hits] == [
        other.pk,
        plain.pk,
    ]


@pytest.mark.parametrize("sort", ["relevance", "newest", "price_asc", "soonest"])
def test_the_narrow_index_carries_every_column_a_search_without_text_or_place_reads(
    make_listing, make_slot, sort
):
    """listing_published_facts (search.0015) must carry every listing column that the matches,
    their score and their facets read, or PostgreSQL cannot answer a search with filters alone
    by an index-only scan and reads the whole listings table again (441 MB on the bench
    catalogue against 29 MB). The planner's choice on a test database of a few rows says
    nothing, so this compares the columns the statement reads with those the index holds."""
    listing = make_listing("Walk", duration_minutes=90, price_amount=2000)
    make_slot(listing, in_days=3)
    sent: list[str] = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    query = SearchQuery(
        categories=("tours",),
        price_min=1000,
        price_max=3000,
        duration_min=30,
        duration_max=240,
        languages=("en",),
        cities=("Toronto",),
        country="CA",
        guests=2,
        sort=sort,
    )
    with connection.execute_wrapper(record):
        assert [hit.listing_id for hit in search(query).hits] == [listing.pk]
    [statement] = [sql for sql in sent if " base AS " in sql]
    base = statement.split("), page AS", 1)[0]
    read = columns_read(base, "l")
    held, predicate = index_columns("listing_published_facts")

    assert "status" in predicate  # the published listings: `status` need not be read
    assert read - held - {"status"} == set()
    assert {"search_quality", "price_amount", "duration_minutes"} <= read  # what the base reads
