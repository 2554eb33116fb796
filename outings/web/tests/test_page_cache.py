"""Anonymous pages served whole from the page cache (outings.common.pagecache): what a hit costs,
what makes a new key (an edit, a language, a zone, htmx), who never gets a cached page, and what
is never stored."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from outings.catalog.models import Category, Listing, ListingPhoto
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.common.pagecache import cached_page
from outings.common.tests.connections import other_connection
from outings.scheduling.models import Slot
from outings.search import cache as search_cache
from outings.search.cache import catalogue_version, content_versions
from outings.stats import services as stats
from outings.stats.models import ListingDay
from outings.web.views import WARMING_HEADER

pytestmark = pytest.mark.django_db

SOON = timezone.now() + timedelta(days=3)
HOME = reverse("web:home")
LISTINGS = reverse("web:listings")
EXPLORE = reverse("search:explore")


def page(listing: Listing) -> str:
    return reverse("web:listing", kwargs={"pk": listing.pk})


@pytest.fixture
def listing() -> Listing:
    listing = ListingFactory.create(title="Harbour walk", city="Toronto")
    SlotFactory.create(listing=listing, starts_at=SOON)
    return listing


@pytest.mark.usefixtures("one_window")
@pytest.mark.parametrize("path", [HOME, LISTINGS, EXPLORE, "listing"])
def test_a_second_anonymous_visit_is_served_from_the_cache_with_one_query(
    client, django_assert_num_queries, listing, path
):
    path = page(listing) if path == "listing" else path
    first = client.get(path)

    with django_assert_num_queries(1):  # the catalogue version, which the key carries
        second = client.get(path)

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert "Harbour walk" in second.content.decode()
    assert second["Content-Type"] == first["Content-Type"]
    for response in (first, second):
        assert response["Cache-Control"] == "public, max-age=60"
        assert "Cookie" in response["Vary"]


@pytest.mark.parametrize("path", [HOME, LISTINGS, EXPLORE, "listing"])
def test_an_edit_is_on_the_next_anonymous_visit(client, listing, path):
    path = page(listing) if path == "listing" else path
    client.get(path)

    Listing.objects.filter(pk=listing.pk).update(title="Harbour walk at dusk")

    assert "Harbour walk at dusk" in client.get(path).content.decode()


def test_a_new_photo_and_a_reordered_category_move_both_versions(listing):
    before = catalogue_version(), content_versions()[0]
    ListingPhoto.objects.create(listing=listing, image="x.jpg", width=10, height=10)
    after_photo = catalogue_version(), content_versions()[0]
    Category.objects.filter(pk=listing.category_id).update(position=99)
    after_category = catalogue_version(), content_versions()[0]

    assert before[0] < after_photo[0] < after_category[0]
    assert before[1] < after_photo[1] < after_category[1]


@pytest.mark.usefixtures("one_window")
def test_a_booking_elsewhere_leaves_a_listing_page_and_the_list_in_the_cache(
    client, django_assert_num_queries, listing
):
    elsewhere = SlotFactory.create(starts_at=SOON)
    for path in (page(listing), LISTINGS):
        client.get(path)

    elsewhere.seats_taken = 1
    elsewhere.save(update_fields=["seats_taken"])

    for path in (page(listing), LISTINGS):
        with django_assert_num_queries(1):
            assert client.get(path).status_code == 200


def test_seats_moved_between_two_dates_of_a_listing_are_on_its_page(client, listing):
    """A transfer moves seats from one date to another: totals stay the same, the page must not."""
    first = listing.slots.get()
    second = SlotFactory.create(listing=listing, starts_at=SOON + timedelta(days=1))
    Slot.objects.filter(pk=first.pk).update(seats_taken=2)
    client.get(page(listing))

    Slot.objects.filter(pk=first.pk).update(seats_taken=0)
    Slot.objects.filter(pk=second.pk).update(seats_taken=2)

    body = client.get(page(listing)).content.decode()
    assert f'<span data-slot-seats="{first.pk}">{first.capacity}</span> seats left' in body
    assert f'<span data-slot-seats="{second.pk}">{second.capacity - 2}</span>' in body


def test_a_booked_seat_is_on_the_next_anonymous_visit(client, listing):
    slot = listing.slots.get()
    client.get(page(listing))

    slot.seats_taken = slot.capacity - 1
    slot.save(update_fields=["seats_taken"])

    body = client.get(page(listing)).content.decode()
    assert f'<span data-slot-seats="{slot.pk}">1</span> seat left' in body


def test_each_language_and_time_zone_has_its_own_page(client, listing):
    english = client.get(page(listing)).content.decode()
    german = client.get(page(listing), headers={"Accept-Language": "de"}).content.decode()
    client.cookies["tz"] = "Asia/Tokyo"
    tokyo = client.get(page(listing)).content.decode()

    assert '<html lang="en">' in english
    assert "your time zone is UTC" in english
    assert '<html lang="de">' in german
    assert "Asia/Tokyo" in tokyo
    assert "Asia/Tokyo" not in english


def test_htmx_gets_its_part_and_a_visit_the_whole_page(client, listing):
    client.get(LISTINGS)
    part = client.get(LISTINGS, headers={"HX-Request": "true"})
    whole = client.get(LISTINGS)

    assert "<html" not in part.content.decode()
    assert "<html" in whole.content.decode()
    assert "HX-Request" in part["Vary"]


def test_a_signed_in_visitor_never_gets_the_anonymous_page_nor_leaves_theirs(client, listing):
    anonymous = client.get(page(listing)).content.decode()
    user = UserFactory.create()
    client.force_login(user)

    signed_in = client.get(page(listing))
    client.logout()
    after = client.get(page(listing)).content.decode()

    assert "Log out" not in anonymous
    assert "Log in to book" in anonymous
    assert "Log out" in signed_in.content.decode()
    assert signed_in["Cache-Control"] == "private, no-cache"
    assert "Log out" not in after
    assert 'name="csrfmiddlewaretoken"' not in after


def test_an_anonymous_page_carries_no_csrf_token_and_sets_no_cookie(client, listing):
    for path in (HOME, LISTINGS, EXPLORE, page(listing)):
        response = client.get(path)

        assert 'name="csrfmiddlewaretoken"' not in response.content.decode()
        assert not response.cookies


def test_views_are_counted_on_cached_visits_but_not_for_the_warmer(client, listing):
    for _ in range(3):
        client.get(page(listing))
    client.get(page(listing), headers={WARMING_HEADER: "1"})

    stats.flush_listing_views()

    assert ListingDay.objects.get(listing=listing).views == 3


def test_with_the_cache_down_pages_render_and_nothing_fails(settings, listing):
    down = {
        "BACKEND": "outings.common.cache.TolerantRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
    settings.CACHES = {**settings.CACHES, "pages": down}
    client = Client(raise_request_exception=False)

    for path in (HOME, LISTINGS, EXPLORE, page(listing), page(listing)):
        assert client.get(path).status_code == 200


# cached_page itself, for responses no public view makes today.


def _anonymous_get(path: str = "/somewhere/") -> HttpRequest:
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    return request


def _counting(**kwargs: object):
    calls: list[int] = []

    def render() -> HttpResponse:
        calls.append(1)
        return HttpResponse("page", **kwargs)

    return render, calls


@pytest.mark.parametrize(
    "kwargs",
    [{"status": 404}, {"status": 400}, {"status": 503}, {"headers": {"Cache-Control": "private"}}],
)
def test_answers_other_than_a_plain_200_are_never_stored(kwargs):
    render, calls = _counting(**kwargs)

    for _ in range(2):
        response = cached_page(_anonymous_get(), render, versions=(1,), timeout=60)

    assert len(calls) == 2
    assert "public" not in response.get("Cache-Control", "")


def test_a_page_that_set_a_cookie_or_used_a_csrf_token_is_never_stored():
    calls: list[int] = []

    def with_cookie() -> HttpResponse:
        calls.append(1)
        response = HttpResponse("page")
        response.set_cookie("seen", "1")
        return response

    for _ in range(2):
        cached_page(_anonymous_get("/a/"), with_cookie, versions=(1,), timeout=60)
    for _ in range(2):
        request = _anonymous_get("/b/")

        def with_token(request=request) -> HttpResponse:
            calls.append(1)
            return HttpResponse(get_token(request))

        cached_page(request, with_token, versions=(1,), timeout=60)

    assert len(calls) == 4


def test_the_key_carries_the_versions_and_the_query_string_as_sent():
    render, calls = _counting()

    cached_page(_anonymous_get("/p/?a=1&b=2"), render, versions=(1,), timeout=60)
    cached_page(_anonymous_get("/p/?a=1&b=2"), render, versions=(1,), timeout=60)
    cached_page(_anonymous_get("/p/?b=2&a=1"), render, versions=(1,), timeout=60)
    cached_page(_anonymous_get("/p/?a=1&b=2"), render, versions=(2,), timeout=60)

    assert len(calls) == 3


def test_a_post_is_never_served_from_the_cache():
    render, calls = _counting()
    for _ in range(2):
        request = RequestFactory().post("/p/")
        request.user = AnonymousUser()
        cached_page(request, render, versions=(1,), timeout=60)

    assert len(calls) == 2


def test_every_page_changes_window_within_two_minutes_but_not_all_at_once(monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    keys = [f"listing:{i}" for i in range(50)]
    start = [search_cache.page_window(key) for key in keys]
    changed_at: dict[str, int] = {}

    for second in range(1, search_cache.SAFETY_TIMEOUT + 1):
        clock[0] = 1_000_000.0 + second
        for key, before in zip(keys, start, strict=True):
            if key not in changed_at and search_cache.page_window(key) != before:
                changed_at[key] = second

    assert len(changed_at) == len(keys)  # no page kept its key longer than one window
    assert len(set(changed_at.values())) > 10  # and they did not all change at once


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("one_window", "categories")  # a transactional test may have flushed them
def test_a_listing_page_rendered_while_an_edit_commits_is_not_served_after_it(client):
    """The content version moves when the edit's statement runs (nextval, seen by every session
    at once), not when it commits: a page rendered in between read the new version and the old
    text, and was cached under that version until its window ended. It moves again at commit
    now (search.0016), as the catalogue version does (search.0013). Here another connection
    edits the title and commits after an anonymous visit."""
    listing = ListingFactory.create(title="Harbour walk", city="Toronto")
    SlotFactory.create(listing=listing, starts_at=SOON)
    other = other_connection()
    try:
        other.execute(
            "UPDATE catalog_listing SET title = 'Lighthouse walk' WHERE id = %s", [listing.pk]
        )
        assert "Harbour walk" in client.get(page(listing)).content.decode()  # not committed
        other.commit()
    finally:
        other.close()

    assert "Lighthouse walk" in client.get(page(listing)).content.decode()
