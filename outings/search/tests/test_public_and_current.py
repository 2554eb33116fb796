"""What explore shows is public, current and consistent: price pages walk every hit, facet
counts agree with the hits, a hit is bookable for the party it is shown to, suggestions and
"did you mean" leave hidden listings out, a cached page goes stale with what it shows."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import User
from outings.bookings import services as bookings
from outings.bookings.models import Booking
from outings.catalog.tests.factories import SlotFactory
from outings.search import cache as search_cache
from outings.search.engine import search
from outings.search.query import SearchQuery
from outings.search.related import autocomplete
from outings.search.services import refresh_lexicon

pytestmark = pytest.mark.django_db


def walk(query: dict[str, Any]) -> list[int]:
    seen, cursor = [], None
    for _ in range(20):
        page = search(SearchQuery(cursor=cursor, **query))
        seen += [hit.listing_id for hit in page.hits]
        cursor = page.next_cursor
        if cursor is None:
            break
    return seen


@pytest.mark.parametrize("sort", ["price_desc", "price_asc"])
def test_price_pages_walk_every_hit_when_a_listing_is_priced_in_a_currency_without_a_rate(
    make_listing, sort
):
    # SEK is one of catalog.services.CURRENCIES (a host may price in it) but not one of the
    # bundled exchange rates: its viewer price is NULL, and a NULL sort key breaks the keyset.
    ids = {
        make_listing(f"walking tour {n}", currency="EUR", price_amount=1000 * n).pk
        for n in range(1, 4)
    }
    ids |= {
        make_listing(f"walking tour sek {n}", currency="SEK", price_amount=9000).pk
        for n in range(2)
    }

    seen = walk(dict(text="walking", sort=sort, limit=1))

    assert sorted(seen) == sorted(ids)


def test_facet_counts_agree_with_the_hits_when_sorting_by_soonest(make_listing, make_slot):
    make_slot(make_listing("walking tour with a date", category="tours"), in_days=2)
    make_listing("walking museum without dates", category="sights", kind="place")
    make_listing("walking tour sold out", category="tours")  # no slot either

    page = search(SearchQuery(text="walking", sort="soonest"))

    hits_per_category: dict[str, int] = {}
    for hit in page.hits:
        hits_per_category[hit.category] = hits_per_category.get(hit.category, 0) + 1
    counts = {value.value: value.count for value in page.facets["category"]}
    assert counts == hits_per_category  # got {"tours": 2, "sights": 1} for 1 hit


def test_a_hit_is_not_shown_bookable_for_a_group_the_listing_does_not_take(make_listing, make_slot):
    # Groups of 4 to 8 only; 2 seats left: nobody can book this date, yet it is the hit's next
    # date "2 seats left", and a search for 2 guests finds it.
    listing = make_listing("walking tour for groups", min_group_size=4, max_group_size=8)
    make_slot(listing, in_days=3, capacity=10, taken=8)
    today = timezone.localdate()

    page = search(
        SearchQuery(text="walking", date_from=today, date_to=today + timedelta(days=7), guests=2)
    )

    assert page.hits == []


def test_a_search_for_more_guests_than_one_booking_takes_is_not_bookable(make_listing, make_slot):
    listing = make_listing("walking tour small groups", max_group_size=4)
    make_slot(listing, in_days=3, capacity=30)
    today = timezone.localdate()

    page = search(
        SearchQuery(text="walking", date_from=today, date_to=today + timedelta(days=7), guests=12)
    )

    assert page.hits == []


def test_a_cached_search_goes_stale_when_a_lapsed_hold_is_confirmed(make_listing, make_slot):
    # A hold past its expiry but not swept counts as free seats; confirming it takes them for
    # good without writing the slot, so the catalogue version does not move.
    listing = make_listing("walking tour last seats")
    slot = make_slot(listing, in_days=3, capacity=2)
    guest = User.objects.create(username="late", email="late@example.org")
    eleven_minutes_ago = timezone.now() - timedelta(minutes=11)
    booking = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=eleven_minutes_ago)
    today = timezone.localdate()
    query = SearchQuery(
        text="walking", date_from=today, date_to=today + timedelta(days=7), guests=2
    )
    assert [h.title for h in search_cache.cached_search(query).hits] == ["walking tour last seats"]

    bookings.confirm_booking(guest=guest, reference=booking.reference, now=timezone.now())
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED
    assert search(query).hits == []  # the truth: no seat left

    assert search_cache.cached_search(query).hits == []  # served stale from the cache


def test_autocomplete_stops_suggesting_a_listing_once_its_host_is_suspended(make_listing, host):
    make_listing("Zeppelin harbour flight")
    refresh_lexicon()
    assert "Zeppelin harbour flight" in [c.label for c in autocomplete(prefix="zeppel")]

    host.suspended_at = timezone.now()
    host.save(update_fields=["suspended_at"])

    assert "Zeppelin harbour flight" not in [c.label for c in autocomplete(prefix="zeppel")]


def test_autocomplete_stops_suggesting_a_listing_once_it_is_paused(make_listing):
    listing = make_listing("Zeppelin harbour flight")
    refresh_lexicon()

    listing.status = listing.Status.PAUSED
    listing.save(update_fields=["status"])

    assert "Zeppelin harbour flight" not in [c.label for c in autocomplete(prefix="zeppel")]


def test_place_suggestions_leave_suspended_hosts_out(make_listing, host):
    make_listing("Quokka encounter", city="Rottnest")
    host.suspended_at = timezone.now()
    host.save(update_fields=["suspended_at"])
    refresh_lexicon()

    assert ("place", "Rottnest") not in [(c.kind, c.label) for c in autocomplete(prefix="rottn")]


def test_did_you_mean_never_offers_a_word_only_a_suspended_hosts_listing_carries(
    make_listing, host
):
    make_listing("Quokka encounter", city="Rottnest")
    host.suspended_at = timezone.now()
    host.save(update_fields=["suspended_at"])
    refresh_lexicon()

    assert search(SearchQuery(text="quoka")).suggestion is None  # got "quokka"


def test_the_explore_price_limit_is_read_in_the_chosen_currency(client, make_listing):
    # "Up to 3000" with JPY chosen: JPY has no minor unit (exponent 0), so 3000 yen is 3000
    # minor units, not 300,000.
    make_listing("walking tour cheap", currency="JPY", price_amount=2000)
    make_listing("walking tour dear", currency="JPY", price_amount=9000)

    response = client.get("/explore/", {"q": "walking", "currency": "JPY", "price_max": "3000"})

    assert response.status_code == 200
    assert [hit.title for hit in response.context["page"].hits] == ["walking tour cheap"]


def test_price_buckets_are_major_units_of_the_viewers_currency(make_listing):
    # 9000 yen is far above "100+" in yen, but the buckets are minor units of a two-decimal
    # currency: counted as "50-100".
    make_listing("walking tour yen", currency="JPY", price_amount=9000)

    page = search(SearchQuery(text="walking", currency="JPY"))

    assert {v.value: v.count for v in page.facets["price"]} == {"100+": 1}


def test_similar_offers_no_listing_whose_dates_cannot_take_its_smallest_group(make_listing):
    from outings.search.related import similar

    me = make_listing("Kayak harbour tour")
    roomy = make_listing("Kayak at dawn")
    cramped = make_listing("Kayak at dusk", min_group_size=4, max_group_size=8)
    for listing, taken in ((roomy, 0), (cramped, 8)):
        SlotFactory.create(
            listing=listing,
            starts_at=timezone.now() + timedelta(days=3),
            capacity=10,
            seats_taken=taken,
        )

    titles = [item.title for item in similar(listing_id=me.pk)]

    assert "Kayak at dawn" in titles
    assert "Kayak at dusk" not in titles  # 2 seats left, groups of 4 at least


def test_search_and_autocomplete_leave_out_a_host_whose_account_was_deactivated(make_listing, host):
    """Deactivating a host's user account suspends the host (accounts.services), so the search
    statement's join of host profiles hides them with no join of users (session 19)."""
    make_listing("Zeppelin harbour flight")
    refresh_lexicon()
    assert [h.title for h in search(SearchQuery(text="zeppelin")).hits] == [
        "Zeppelin harbour flight"
    ]
    staff = User.objects.create(username="staff", email="staff@example.org", is_staff=True)

    User.objects.filter(pk=host.user_id).update(is_active=False)
    account_services.suspend_host_of_deactivated_user(
        staff=staff, user_id=host.user_id, now=timezone.now()
    )

    assert search(SearchQuery(text="zeppelin")).hits == []
    assert "Zeppelin harbour flight" not in [c.label for c in autocomplete(prefix="zeppel")]
