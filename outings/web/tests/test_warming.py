"""Filling the caches ahead of visitors: `manage.py warm_cache` after a deploy, the periodic
refresh of the home page's aggregates, and the "more like this" fragment of a signed-in page."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from outings.catalog.models import Category, Listing
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory, category
from outings.common.tests.test_cache import CACHE_DOWN
from outings.stats import services as stats
from outings.stats.models import ListingDay
from outings.web import tasks, views
from outings.web.warming import refresh_aggregates, warm_pages

# Warmed pages are found only within their window: one window for the whole test.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_window")]

SOON = timezone.now() + timedelta(days=3)
DUMMY = "django.core.cache.backends.dummy.DummyCache"


def page(listing: Listing) -> str:
    return reverse("web:listing", kwargs={"pk": listing.pk})


@pytest.fixture
def popular() -> Listing:
    listing = ListingFactory.create(title="Harbour walk", city="Toronto")
    SlotFactory.create(listing=listing, starts_at=SOON)
    ListingDay.objects.create(listing=listing, day=timezone.now().date(), views=40)
    return listing


def test_after_warming_the_landing_pages_and_popular_listings_cost_one_query(
    client, django_assert_num_queries, popular
):
    unviewed = ListingFactory.create(title="Quiet museum")
    out = StringIO()

    call_command("warm_cache", stdout=out)

    paths = [reverse("web:home"), reverse("search:explore"), reverse("web:listings")]
    paths += [f"{reverse('web:listings')}?category=tours", page(popular)]
    for language in ("en", "de"):
        for path in paths:
            with django_assert_num_queries(1):  # the catalogue version: the page is cached
                response = client.get(path, headers={"Accept-Language": language})
            assert response.status_code == 200
            assert f'<html lang="{language}">' in response.content.decode()
    with django_assert_num_queries(5):  # not among the most viewed: rendered
        client.get(page(unviewed))
    assert out.getvalue().startswith("warmed ")


def test_warming_counts_no_views(popular):
    warm_pages()
    stats.flush_listing_views()

    assert ListingDay.objects.get(listing=popular).views == 40


def test_the_popular_listings_are_those_viewed_lately_and_still_public(popular):
    hidden = ListingFactory.create(status=Listing.Status.PAUSED)
    ListingDay.objects.create(listing=hidden, day=timezone.now().date(), views=99)
    stale = ListingFactory.create()
    ListingDay.objects.create(
        listing=stale, day=timezone.now().date() - timedelta(days=30), views=99
    )

    warmed = warm_pages(popular=5)

    # 3 landing pages and one per category, one listing, in two languages.
    categories = Category.objects.count()
    assert warmed.pages == (3 + categories + 1) * 2
    assert warmed.failed == []


def test_warm_cache_refuses_a_negative_count():
    with pytest.raises(CommandError, match="--popular"):
        call_command("warm_cache", "--popular", "-1")


def test_the_warming_task_warms(client, django_assert_num_queries, popular):
    tasks.warm_cache()

    with django_assert_num_queries(1):
        client.get(page(popular))


def test_the_periodic_refresh_stores_fresh_aggregates_over_stale_ones(client):
    ListingFactory.create(city="Toronto", category=category("food"))
    client.get(reverse("web:home"))
    ListingFactory.create_batch(2, city="Madrid", category=category("food"))

    tasks.refresh_aggregates()

    assert cache.get(views.BUSIEST_CITY_KEY).city == "Madrid"
    counts = {c.category.slug: c.listing_count for c in cache.get(views.CATEGORY_COUNTS_KEY)}
    assert counts["food"] == 3


def test_the_home_page_uses_the_refreshed_aggregates(client, settings):
    ListingFactory.create(city="Toronto")
    refresh_aggregates()
    settings.CACHES = {**settings.CACHES, "pages": {"BACKEND": DUMMY}}  # render the page

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("web:home"))

    assert "Popular in Toronto" in response.content.decode()
    counted = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
    assert counted == []


def test_refreshing_with_the_cache_down_does_not_fail(settings):
    settings.CACHES = CACHE_DOWN

    refresh_aggregates()  # nothing raised


def test_a_signed_in_listing_page_keeps_more_like_this_as_a_versioned_fragment(client):
    listing = ListingFactory.create(title="Harbour walk tour", tags=["harbour"])
    boat = ListingFactory.create(title="Harbour boat tour", tags=["harbour"])
    SlotFactory.create(listing=boat, starts_at=SOON)  # "more like this" shows bookable ones
    client.force_login(UserFactory.create())
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        first = client.get(page(listing)).content.decode()
        similar_runs = [sum("tsvector_to_array" in sql for sql in statements)]
        again = client.get(page(listing)).content.decode()
        similar_runs.append(sum("tsvector_to_array" in sql for sql in statements))
        lights = ListingFactory.create(title="Harbour lights walk", tags=["harbour"])
        SlotFactory.create(listing=lights, starts_at=SOON)
        after_a_write = client.get(page(listing)).content.decode()
        similar_runs.append(sum("tsvector_to_array" in sql for sql in statements))

    assert similar_runs == [1, 1, 2]  # run, kept, run again for the new catalogue version
    assert "Harbour boat tour" in first
    assert "Harbour boat tour" in again
    assert "Harbour lights walk" in after_a_write
