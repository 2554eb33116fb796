from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    category,
)
from outings.scheduling.models import Slot
from outings.web.warming import refresh_aggregates

pytestmark = pytest.mark.django_db

HOME = reverse("web:home")
SOON = timezone.now() + timedelta(days=2)


def titles(listings: list[Listing]) -> list[str]:
    return [listing.title for listing in listings]


def test_home_page_answers_on_an_empty_catalogue(client):
    response = client.get(HOME)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Find something to do" in body
    assert "No experiences have upcoming dates right now." in body


def test_home_page_features_priced_experiences_with_a_bookable_slot(client):
    bookable = ListingFactory.create(title="Bookable")
    SlotFactory.create(listing=bookable, starts_at=SOON)
    free = ListingFactory.create(title="Free", price_amount=0)
    SlotFactory.create(listing=free, starts_at=SOON)
    place = ListingFactory.create(title="Place", kind=Listing.Kind.PLACE)
    SlotFactory.create(listing=place, starts_at=SOON)
    full = ListingFactory.create(title="Full")
    SlotFactory.create(listing=full, starts_at=SOON, seats_taken=10)
    past = ListingFactory.create(title="Past")
    SlotFactory.create(listing=past, starts_at=timezone.now() - timedelta(hours=1))
    cancelled = ListingFactory.create(title="Cancelled")
    SlotFactory.create(listing=cancelled, starts_at=SOON, status=Slot.Status.CANCELLED)
    draft = ListingFactory.create(title="Draft", status=Listing.Status.DRAFT)
    SlotFactory.create(listing=draft, starts_at=SOON)
    suspended = ListingFactory.create(
        title="Suspended", host=HostProfileFactory.create(suspended_at=timezone.now())
    )
    SlotFactory.create(listing=suspended, starts_at=SOON)
    ListingFactory.create(title="No dates")

    response = client.get(HOME)

    assert titles(response.context["featured"]) == ["Bookable"]
    assert "Next date:" in response.content.decode()


def test_home_page_features_a_few_per_category_in_category_order(client):
    for slug in ("music", "tours"):
        for _ in range(4):
            SlotFactory.create(
                listing=ListingFactory.create(category=category(slug)), starts_at=SOON
            )

    featured = client.get(HOME).context["featured"]

    slugs = [listing.category.slug for listing in featured]
    assert slugs == ["tours"] * 2 + ["music"] * 2  # tours come first in our taxonomy


def test_home_page_shows_the_busiest_city_without_a_location(client):
    ListingFactory.create(city="Toronto", title="Toronto 1")
    madrid = [ListingFactory.create(city="Madrid", title=f"Madrid {i}") for i in range(2)]

    response = client.get(HOME)

    assert response.context["nearby_city"] == "Madrid"
    assert titles(response.context["nearby"]) == [m.title for m in reversed(madrid)]
    assert "Popular in Madrid" in response.content.decode()


def test_a_busiest_city_listing_hidden_since_the_aggregate_was_kept_is_not_shown(client):
    madrid = [ListingFactory.create(city="Madrid", title=f"Madrid {i}") for i in range(2)]
    refresh_aggregates()

    Listing.objects.filter(pk=madrid[1].pk).update(status=Listing.Status.PAUSED)
    response = client.get(HOME)

    assert titles(response.context["nearby"]) == ["Madrid 0"]


def test_home_page_shows_the_closest_listings_to_the_given_point(client):
    ListingFactory.create(title="Berlin", latitude=52.52, longitude=13.405)
    ListingFactory.create(title="Potsdam", latitude=52.39, longitude=13.065)
    ListingFactory.create(title="Munich", latitude=48.137, longitude=11.575)
    ListingFactory.create(title="Nowhere", latitude=None, longitude=None)

    response = client.get(HOME, {"lat": "52.5", "lng": "13.4"})

    nearby = response.context["nearby"]
    assert titles(nearby) == ["Berlin", "Potsdam", "Munich"]
    assert 2_000 < nearby[0].distance_m < 3_000  # Berlin centre is ~2.3 km from the point
    body = response.content.decode()
    assert "Near you" in body
    assert "2.3 km away" in body


def test_listings_at_the_same_place_are_listed_in_id_order(client):
    same_place = [
        ListingFactory.create(title=f"Museum floor {n}", latitude=52.52, longitude=13.405)
        for n in range(3)
    ]
    ListingFactory.create(title="Far away", latitude=10.0, longitude=10.0)
    ListingFactory.create(title="Next door", latitude=52.5201, longitude=13.405)

    response = client.get(HOME, {"lat": "52.52", "lng": "13.405"})

    in_id_order = [listing.title for listing in sorted(same_place, key=lambda x: x.pk)]
    assert titles(response.context["nearby"]) == [*in_id_order, "Next door", "Far away"]


@pytest.mark.parametrize(
    "query",
    [
        {"lat": "abc", "lng": "1"},
        {"lat": "91", "lng": "0"},
        {"lat": "nan", "lng": "0"},
        {"lat": "1"},
    ],
)
def test_home_page_ignores_an_invalid_location(client, query):
    ListingFactory.create(city="Toronto")

    response = client.get(HOME, query)

    assert response.status_code == 200
    assert response.context["nearby_city"] == "Toronto"


def test_home_page_lists_categories_with_their_public_counts(client):
    ListingFactory.create_batch(2, category=category("food"))
    ListingFactory.create(category=category("food"), status=Listing.Status.DRAFT)

    response = client.get(HOME)

    counts = {c.category.slug: c.listing_count for c in response.context["categories"]}
    assert counts == {"food": 2}
    assert 'href="/things-to-do/?category=food"' in response.content.decode()


def test_home_page_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(5):
        SlotFactory.create(listing=ListingFactory.create(), starts_at=SOON)

    # As beat keeps it (outings.web.tasks.refresh_aggregates): the catalogue version that keys
    # the page cache, the busiest city's listings by id, the featured experiences (two). A visit
    # served from the page cache makes only the first (outings/web/tests/test_page_cache.py).
    refresh_aggregates()
    with django_assert_max_num_queries(4):
        client.get(HOME)


def test_home_page_without_its_aggregates_runs_a_bounded_number_of_queries(
    client, django_assert_max_num_queries
):
    for _ in range(5):
        SlotFactory.create(listing=ListingFactory.create(), starts_at=SOON)

    # The four above, and the aggregates computed in the request: the busiest city, its newest
    # listings, the category counts.
    with django_assert_max_num_queries(7):
        client.get(HOME)
