from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services as bookings
from outings.scheduling.selectors import bookable_slots, upcoming_slots
from outings.search import sql as S
from outings.search.engine import search
from outings.search.query import BoundingBox, Point, SearchQuery

pytestmark = pytest.mark.django_db

TORONTO = Point(43.6532, -79.3832)


def titles(query: SearchQuery) -> list[str]:
    return sorted(hit.title for hit in search(query).hits)


def test_several_categories_can_be_chosen_at_once(make_listing):
    make_listing("Walk", category="tours")
    make_listing("Feast", category="food")
    make_listing("Opera", category="music")

    assert titles(SearchQuery(categories=("tours", "food"))) == ["Feast", "Walk"]


def test_prices_are_compared_in_the_viewers_currency(make_listing):
    make_listing("Ten euros in dollars", currency="CAD", price_amount=1480)  # 10.00 EUR
    make_listing("Thirty euros", currency="EUR", price_amount=3000)

    assert titles(SearchQuery(currency="EUR", price_min=900, price_max=1100)) == [
        "Ten euros in dollars"
    ]
    assert titles(SearchQuery(currency="CAD", price_min=4000)) == ["Thirty euros"]


def test_duration_language_city_and_country_filter(make_listing):
    make_listing("Short", duration_minutes=30)
    make_listing(
        "Long German",
        duration_minutes=240,
        languages=["de", "en"],
        city="Berlin",
        country_code="DE",
        latitude=52.5,
        longitude=13.4,
    )

    assert titles(SearchQuery(duration_min=60)) == ["Long German"]
    assert titles(SearchQuery(languages=("de",))) == ["Long German"]
    assert titles(SearchQuery(cities=("Toronto",))) == ["Short"]
    assert titles(SearchQuery(country="de")) == ["Long German"]


def test_dates_and_guests_keep_only_listings_with_a_slot_that_has_the_seats(
    make_listing, make_slot
):
    roomy = make_listing("Roomy")
    make_slot(roomy, in_days=3, capacity=10, taken=6)
    full = make_listing("Nearly full")
    make_slot(full, in_days=3, capacity=10, taken=8)
    cancelled = make_listing("Cancelled")
    make_slot(cancelled, in_days=3, status="cancelled")
    later = make_listing("Later")
    make_slot(later, in_days=20)
    make_listing("No slots")
    today = timezone.localdate()

    query = SearchQuery(date_from=today, date_to=today + timedelta(days=7), guests=3)
    page = search(query)

    assert [hit.title for hit in page.hits] == ["Roomy"]
    assert page.hits[0].next_slot is not None
    assert page.hits[0].next_slot.seats_left == 4


def test_near_a_point_within_a_radius_carries_exact_distances(make_listing):
    make_listing("CN Tower", latitude=43.6426, longitude=-79.3871)
    make_listing("Niagara Falls", latitude=43.0896, longitude=-79.0849)
    make_listing("Montreal", latitude=45.5017, longitude=-73.5673)

    page = search(SearchQuery(near=TORONTO, radius_km=100, sort="distance"))

    assert [(hit.title, round(hit.distance_km or 0)) for hit in page.hits] == [
        ("CN Tower", 1),
        ("Niagara Falls", 67),
    ]


def test_a_listing_that_moves_is_found_at_its_new_place_at_once(make_listing):
    listing = make_listing("Ferry", latitude=45.5017, longitude=-73.5673)  # Montreal
    near_toronto = SearchQuery(near=TORONTO, radius_km=10)
    assert titles(near_toronto) == []

    listing.latitude, listing.longitude = 43.6400, -79.3800
    listing.save(update_fields=["latitude", "longitude"])

    assert titles(near_toronto) == ["Ferry"]
    listing.latitude = listing.longitude = None
    listing.save(update_fields=["latitude", "longitude"])
    assert titles(near_toronto) == []


def test_sorting_by_distance_orders_by_great_circle_distance(make_listing):
    for name, lat, lng in [
        ("far", 48.85, 2.35),
        ("near", 43.70, -79.40),
        ("middle", 40.71, -74.00),
    ]:
        make_listing(name, latitude=lat, longitude=lng)

    page = search(SearchQuery(near=TORONTO, sort="distance"))

    assert [hit.title for hit in page.hits] == ["near", "middle", "far"]
    distances = [hit.distance_km or 0.0 for hit in page.hits]
    assert distances == sorted(distances)


def test_a_bounding_box_keeps_what_the_map_shows(make_listing):
    make_listing("Inside", latitude=43.65, longitude=-79.38)
    make_listing("Outside", latitude=45.50, longitude=-73.56)

    box = BoundingBox(south=43.0, west=-80.0, north=44.0, east=-79.0)
    assert titles(SearchQuery(bbox=box)) == ["Inside"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price_asc", ["cheap", "middle", "dear"]),
        ("price_desc", ["dear", "middle", "cheap"]),
        ("newest", ["dear", "middle", "cheap"]),
    ],
)
def test_sort_options(make_listing, sort, expected):
    make_listing("cheap", currency="EUR", price_amount=500)
    make_listing("middle", currency="EUR", price_amount=1500)
    make_listing("dear", currency="EUR", price_amount=9000)

    assert [hit.title for hit in search(SearchQuery(sort=sort, currency="EUR")).hits] == expected


def test_soonest_sorts_by_the_next_bookable_slot(make_listing, make_slot):
    for name, days in [("in five", 5), ("in one", 1), ("in three", 3)]:
        make_slot(make_listing(name), in_days=days)
    make_listing("never")

    page = search(SearchQuery(sort="soonest"))

    assert [hit.title for hit in page.hits] == ["in one", "in three", "in five"]


@pytest.mark.parametrize("sort", ["relevance", "price_asc", "newest", "soonest", "distance"])
def test_keyset_pages_walk_every_hit_once_even_with_ties(make_listing, make_slot, sort):
    for n in range(7):
        listing = make_listing(f"walking tour {n}", currency="EUR", price_amount=1000)
        make_slot(listing, in_days=2)  # same price, same start day: ties everywhere
    query = dict(text="walking", sort=sort, limit=3, near=TORONTO if sort == "distance" else None)

    seen, cursor = [], None
    for _ in range(5):
        page = search(SearchQuery(cursor=cursor, **query))
        seen += [hit.listing_id for hit in page.hits]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert len(seen) == 7
    assert len(set(seen)) == 7


def test_lapsed_holds_count_as_free_before_the_sweep_ends_them(make_listing, make_slot):
    listing = make_listing("Abandoned checkout")
    slot = make_slot(listing, in_days=3, capacity=3)
    guest = User.objects.create(username="abandoner", email="abandoner@example.org")
    eleven_minutes_ago = timezone.now() - timedelta(minutes=11)
    bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=3, now=eleven_minutes_ago)
    slot.refresh_from_db()
    assert slot.seats_taken == 3  # the sweep has not run
    today = timezone.localdate()

    page = search(SearchQuery(date_from=today, date_to=today + timedelta(days=7), guests=2))

    assert [hit.title for hit in page.hits] == ["Abandoned checkout"]
    assert page.hits[0].next_slot is not None
    assert page.hits[0].next_slot.seats_left == 3
    [upcoming] = upcoming_slots(listing_id=listing.pk, now=timezone.now(), limit=5)
    assert upcoming.seats_left == 3
    assert bookable_slots(now=timezone.now()).filter(pk=slot.pk).exists()


def test_a_live_hold_keeps_its_seats(make_listing, make_slot):
    listing = make_listing("Busy checkout")
    slot = make_slot(listing, in_days=3, capacity=3)
    guest = User.objects.create(username="checker", email="checker@example.org")
    bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=3, now=timezone.now())
    today = timezone.localdate()

    page = search(SearchQuery(date_from=today, date_to=today + timedelta(days=7), guests=1))

    assert page.hits == []
    [upcoming] = upcoming_slots(listing_id=listing.pk, now=timezone.now(), limit=5)
    assert upcoming.seats_left == 0
    assert not bookable_slots(now=timezone.now()).filter(pk=slot.pk).exists()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((43.6532, -79.3832), (43.6532, -79.3832)),  # the same point
        ((43.6532, -79.3832), (43.6426, -79.3871)),  # 1 km
        ((40.4168, -3.7038), (48.8566, 2.3522)),  # Madrid to Paris
        ((0.0, 0.0), (0.0, 180.0)),  # antipodes: half the earth round
        ((89.9, 10.0), (-89.9, -170.0)),
    ],
)
def test_the_written_out_distance_is_earthdistances_own(a, b):
    """sql.great_circle_m writes out earth_distance's formula (sec_to_gc of the chord), which
    PostgreSQL cannot inline: it must give the very same metres."""
    written_out = S.great_circle_m("ll_to_earth(%s, %s)", "ll_to_earth(%s, %s)")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT earth_distance(ll_to_earth(%s, %s), ll_to_earth(%s, %s)), {written_out}",
            [*a, *b, *a, *b],
        )
        theirs, ours = cursor.fetchone()

    assert ours == theirs


def test_every_currency_a_host_may_price_in_has_a_bundled_rate(rates):
    from outings.catalog.services import CURRENCIES
    from outings.search.models import ExchangeRate

    assert set(CURRENCIES) <= set(ExchangeRate.objects.values_list("currency", flat=True))


def test_loading_new_rates_makes_cached_searches_stale(rates):
    from django.conf import settings

    from outings.search.cache import catalogue_version
    from outings.search.services import load_exchange_rates

    before = catalogue_version()
    load_exchange_rates(path=settings.BASE_DIR / "data" / "exchange_rates.csv")

    assert catalogue_version() > before


def test_a_relevance_cursor_with_a_decimal_score_still_turns_the_page(make_listing):
    """Scores were rounded numerics, carried as strings in cursors; they are float8 now, and a
    cursor handed out before still works."""
    from outings.common import signed
    from outings.search.engine.cursors import CURSOR_SALT, decode_cursor, encode_cursor

    make_listing("kayak kayak kayak trip")
    make_listing("kayak trip")
    make_listing("a trip with a kayak somewhere in it")
    query = SearchQuery(text="kayak", limit=1)
    first = search(query)
    assert first.next_cursor is not None
    score, last_id = decode_cursor(first.next_cursor, query)
    assert isinstance(score, float)

    # Signed under the current ranking version, as every ranked cursor is now (session 14).
    ranking = signed.unsign(first.next_cursor, salt=CURSOR_SALT)["r"]
    old = encode_cursor([f"{score:.9f}", last_id], query, ranking=ranking)
    following = search(SearchQuery(text="kayak", limit=1, cursor=first.next_cursor))
    from_old = search(SearchQuery(text="kayak", limit=1, cursor=old))

    assert (
        [h.title for h in from_old.hits]
        == [h.title for h in following.hits]
        != [h.title for h in first.hits]
    )
