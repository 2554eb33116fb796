"""Review of search and explore (issue 6): each test here failed on the code it was written
against, and says what a visitor sees and why that is wrong."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services as bookings
from outings.catalog.models import Listing
from outings.common.tests.connections import other_connection
from outings.search import cache as search_cache
from outings.search.engine import search
from outings.search.query import SearchQuery
from outings.search.related import MAX_SUGGESTIONS, autocomplete, similar
from outings.search.services import refresh_lexicon, refresh_ranking

pytestmark = pytest.mark.django_db


def titles(page) -> list[str]:
    return sorted(hit.title for hit in page.hits)


# --- "did you mean" and typo tolerance -----------------------------------------------------


def test_a_corrected_search_keeps_the_words_the_visitor_excluded(make_listing):
    """The visitor wants kayaking but not at sunset and types "kayek -sunset" (one typo).
    engine._correct rebuilds the query from its bare words (`" ".join(...)` over
    `_WORD.findall`), dropping the "-": the search is re-run as "kayak sunset" and the page
    says "Showing results for “kayak sunset”", listing exactly the trip the visitor excluded
    and none of the others. Typo tolerance must correct the words, not the web-search syntax
    (issue 6, item 2: quoted phrases, -exclusion, or)."""
    make_listing("Sunset kayak")
    make_listing("Harbour kayak")
    make_listing("Lake kayak")
    refresh_lexicon()

    page = search(SearchQuery(text="kayek -sunset"))

    assert page.corrected is True
    assert titles(page) == ["Harbour kayak", "Lake kayak"]


def test_a_word_a_listing_carries_in_its_tags_gets_no_did_you_mean(make_listing):
    """ "lighthouse" is spelt right and finds both listings (one by its tag, one by its title),
    yet the page offers "Did you mean lighthouses?". The lexicon that decides whether a word is
    known holds only the words of titles and cities (services.refresh_lexicon), not tags,
    categories, summaries or descriptions, and is compared unstemmed: any word that matches
    through those reads as a typo whenever fewer than three listings match. A correctly spelt
    word that matches gets no "did you mean" (test_text.py says the same of accents)."""
    make_listing("Harbour cruise", tags=["lighthouse"])
    make_listing("Lighthouses of the bay")
    refresh_lexicon()

    page = search(SearchQuery(text="lighthouse"))

    assert titles(page) == ["Harbour cruise", "Lighthouses of the bay"]
    assert page.suggestion is None


def test_the_last_word_is_a_prefix_after_or(make_listing):
    """ "harb" finds "Harbour cruise" (prefix on the last word), but "canoe or harb" does not:
    where.text_query builds the prefix branch as websearch_to_tsquery("canoe or ") AND harb:*,
    which drops the "or" and demands both words, so the visitor who asked for canoes OR
    harbours sees only the canoe trip."""
    make_listing("Harbour cruise")
    make_listing("Canoe trip")
    assert titles(search(SearchQuery(text="harb"))) == ["Harbour cruise"]

    page = search(SearchQuery(text="canoe or harb"))

    assert titles(page) == ["Canoe trip", "Harbour cruise"]


# --- availability -------------------------------------------------------------------------


def test_a_from_date_more_than_a_year_ahead_finds_the_dates_after_it(make_listing, make_slot):
    """A visitor planning ahead sets only "From" to a day 395 days away: the listing with a
    date 400 days away is not shown, although a From-To range around the same day finds it.
    where.window ends an open range at now + 366 days whatever the start, so any From beyond a
    year gives an empty window (start after end) and "Nothing matches"."""
    listing = make_listing("Far walk")
    make_slot(listing, in_days=400)
    start = timezone.localdate() + timedelta(days=395)
    assert titles(search(SearchQuery(date_from=start, date_to=start + timedelta(days=10)))) == [
        "Far walk"
    ]

    page = search(SearchQuery(date_from=start))

    assert titles(page) == ["Far walk"]


# --- pages --------------------------------------------------------------------------------


def test_a_near_place_cursor_still_turns_the_page_after_the_places_are_refreshed(make_listing):
    """`near=Toronto` is resolved to the median point of Toronto's listings, and the cursor is
    signed with those coordinates (cursors.cursor_fingerprint). The hourly refresh_lexicon
    recomputes the median as listings come and go, so a visitor paging through "near Toronto"
    gets `400 This cursor belongs to another search` for the very search they made. The cursor
    must be bound to what the client sent (the place name), so that the pages keep working."""
    for n in range(5):
        make_listing(f"walk {n}", latitude=43.65 + n / 100, longitude=-79.38)
    refresh_lexicon()
    client = Client()
    query: dict[str, str | int] = {"near": "Toronto", "limit": 2}
    first = client.get("/api/v1/search", query).json()
    assert first["next"]
    make_listing("walk north", latitude=44.5, longitude=-79.38)
    make_listing("walk further north", latitude=44.6, longitude=-79.38)
    refresh_lexicon()  # the hourly beat task

    second = client.get("/api/v1/search", {**query, "cursor": str(first["next"])})

    assert second.status_code == 200, second.content


# --- ranking ------------------------------------------------------------------------------


def test_a_listing_people_book_ranks_above_an_identical_one_nobody_books(make_listing, make_slot):
    """Issue 6, item 6: ranking blends text relevance with quality signals, bookings among
    them. where.score uses only photos and the kind of listing, so of two listings that read
    the same, created at the same moment, the one with three confirmed bookings comes second
    (ties go to the higher id)."""
    popular = make_listing("walking tour of the old town")
    unbooked = make_listing("walking tour of the old town")
    Listing.objects.filter(pk=unbooked.pk).update(
        created_at=Listing.objects.get(pk=popular.pk).created_at
    )
    slot = make_slot(popular, in_days=5, capacity=10)
    for n in range(3):
        guest = User.objects.create(username=f"walker{n}", email=f"walker{n}@example.org")
        held = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=timezone.now())
        bookings.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())
    refresh_ranking(now=timezone.now())  # the hourly beat task

    page = search(SearchQuery(text="walking tour"))

    assert [hit.listing_id for hit in page.hits] == [popular.pk, unbooked.pk]


# --- more like this and autocomplete ------------------------------------------------------


def test_more_like_this_offers_the_listing_that_shares_every_word_among_many_matches(
    make_listing,
):
    """ "More like this" takes an arbitrary 500 of the text matches (`candidates ... LIMIT 500`
    with no order) before ranking them, so with many listings sharing one common word
    ("harbour") the one that shares every word with this listing is never considered: the
    visitor is shown eight "Harbour museum" listings instead. With 20 of them it comes first
    (checked), so only the cut hides it."""
    me = make_listing("Harbour kayak sunset paddle", category="outdoors")
    for n in range(510):
        make_listing(
            f"Harbour museum {n}", category="arts", kind="place", latitude=None, longitude=None
        )
    best = make_listing(
        "Sunset kayak paddle in the harbour",
        category="arts",
        kind="place",
        latitude=None,
        longitude=None,
    )

    offered = [item.listing_id for item in similar(listing_id=me.pk)]

    assert offered[0] == best.pk


def test_autocomplete_offers_ten_suggestions_when_more_than_ten_match(make_listing):
    """Twelve titles and the category "food" start with "foo", yet only nine suggestions come
    back. The category is stored three times under one label ("food", for its slug, its English
    and its German name), the prefix part keeps the first ten rows (two of them that category),
    then duplicates are dropped in Python and, the prefix part having found ten, nothing fills
    up. related.autocomplete promises "the ten are ten different ones"."""
    for n in range(12):
        make_listing(f"Food tour {n}")
    refresh_lexicon()

    completions = autocomplete(prefix="foo")

    assert len(completions) == MAX_SUGGESTIONS


# --- caching (transactional: another connection writes) -------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("categories")  # a transactional test before may have flushed them
def test_a_search_made_while_a_booking_commits_is_not_served_after_it(make_listing, make_slot):
    """The catalogue version moves when the slot is written (a statement trigger calls
    nextval, which every session sees at once), not when the booking commits. A search made
    in between reads the new version but the old rows (the seats still free) and is cached
    under the new version; after the commit nothing moves the version again, so anonymous
    visitors are told the last seats are bookable for up to two minutes after they were taken.
    Issue 6, item 11: stale "the moment a listing or its availability changes". Here the other
    transaction takes the seats with the same conditional UPDATE as hold_seats, then commits."""
    listing = make_listing("quokka encounter")
    slot = make_slot(listing, in_days=3, capacity=2)
    today = timezone.localdate()
    query = SearchQuery(text="quokka", date_from=today, date_to=today + timedelta(days=7), guests=2)
    other = other_connection()
    try:
        other.execute(
            "UPDATE scheduling_slot SET seats_taken = seats_taken + 2"
            " WHERE id = %s AND seats_taken + 2 <= capacity",
            [slot.pk],
        )
        during = search_cache.cached_search(query)  # the booking has not committed yet
        assert titles(during) == ["quokka encounter"]
        other.commit()
    finally:
        other.close()
    assert search(query).hits == []  # the truth: no seats left

    assert search_cache.cached_search(query).hits == []
