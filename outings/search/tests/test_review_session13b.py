"""Review (session 13, second pass) of the explore page and the search API: each test failed on
the code it was written against, and says what was seen and why that is wrong."""

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services as bookings
from outings.bookings.models import Booking
from outings.common.outbox import relay
from outings.search.models import ExchangeRate

pytestmark = pytest.mark.django_db


def error_fields(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    return dict(error["fields"])


# --- one key per parameter in the search API's errors -----------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"radius_km": "5"}, "query.radius_km"),
        ({"cursor": "garbage"}, "query.cursor"),
        ({"bbox": "45,-80,40,-75"}, "query.bbox"),
        ({"bbox": "1.2.3,2,3,4"}, "query.bbox"),
        ({"near": "Atlantis"}, "query.near"),
        ({"price_min": "500", "price_max": "100"}, "query.price_max"),
        ({"duration_min": "90", "duration_max": "30"}, "query.duration_max"),
        ({"lat": "10"}, "query.lat"),
        ({"date_from": "2026-12-05", "date_to": "2026-12-01"}, "query.date_to"),
        ({"date_from": "2026-02-30"}, "query.date_from"),
        ({"date_from": "1999-12-31"}, "query.date_from"),
        ({"sort": "distance"}, "query.sort"),
    ],
)
def test_the_search_api_names_a_bad_parameter_where_it_came_from(make_listing, params, field):
    """The schema's checks said `query.radius_km` for radius_km=0 but the search's own rules
    said `radius_km` for a radius without a place (and `cursor`, `bbox`, `near`, `price_max`),
    where docs/api.md promises `<where>.<name>` (`query.cursor`), as every other list says it:
    a client that maps errors to its fields needed two names for one parameter."""
    make_listing("Harbour walk")

    response = Client().get("/api/v1/search", params)

    assert list(error_fields(response)) == [field]


def test_a_cursor_of_another_search_is_named_as_the_query_parameter(make_listing):
    for n in range(3):
        make_listing(f"Harbour walk {n}")
    first = Client().get("/api/v1/search", {"q": "harbour", "limit": "1"}).json()

    response = Client().get("/api/v1/search", {"q": "walk", "cursor": first["next"]})

    assert error_fields(response) == {"query.cursor": ["This cursor belongs to another search."]}


def test_a_currency_without_a_rate_is_named_as_the_query_parameter(make_listing):
    make_listing("Harbour walk")
    ExchangeRate.objects.filter(currency="JPY").delete()

    response = Client().get("/api/v1/search", {"currency": "JPY"})

    assert list(error_fields(response)) == ["query.currency"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": ["tours", "unicorns"]}, "query.category"),
        ({"language": ["en", "DE"]}, "query.language"),
        ({"city": ["Toronto", "x" * 200]}, "query.city"),
    ],
)
def test_a_repeated_parameter_is_named_as_the_query_parameter(make_listing, params, field):
    """The schema named a bad item of a repeated parameter `query.params.category.1` (ninja's
    name for the handler's argument, and the item's index), beside `query.tz` for a scalar."""
    make_listing("Harbour walk")

    response = Client().get("/api/v1/search", params)

    assert list(error_fields(response)) == [field]


# --- what the explore page took silently ------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "accept", "problem"),
    [
        ({"language": "DE"}, "en", "Language: Use two-letter ISO 639-1 codes, such as en or de."),
        (
            {"language": "german"},
            "de",
            "Sprache: Verwende zweibuchstabige ISO-639-1-Codes, etwa en oder de.",
        ),
        ({"language": "zz"}, "en", "Language: Use two-letter ISO 639-1 codes, such as en or de."),
        ({"tz": "Mars/Base"}, "en", "Time zone: An IANA time zone, like Europe/Berlin."),
        ({"tz": "Mars/Base"}, "de", "Zeitzone: Eine IANA-Zeitzone, etwa Europe/Berlin."),
        (
            {"price_min": "50", "price_max": "10"},
            "en",
            "Up to (per person): Must not be below the lowest price.",
        ),
        (
            {"duration_min": "-1"},
            "en",
            "At least (minutes): Ensure this value is greater than or equal to 0.",
        ),
        (
            {"duration_min": "120", "duration_max": "60"},
            "en",
            "At most (minutes): Must not be below the shortest duration.",
        ),
    ],
)
def test_the_explore_page_names_a_filter_it_cannot_apply(make_listing, params, accept, problem):
    """?language=DE or ?language=german matched nothing ("No results", as if no listing were
    offered in German), and ?tz=Mars/Base, ?price_min=50&price_max=10 or ?duration_min=-1 were
    dropped without a word, answering every listing: the API refuses each of them."""
    make_listing("Harbour walk", languages=["de"])

    page = Client().get("/explore/", params, HTTP_ACCEPT_LANGUAGE=accept)

    assert page.status_code == 400
    assert page.context["problems"] == [problem]
    assert page.context["page"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"language": "zz"}, "query.language"),
        ({"language": "DE"}, "query.language"),
        ({"tz": "Mars/Base"}, "query.tz"),
        ({"price_min": "50", "price_max": "10"}, "query.price_max"),
        ({"duration_min": "-1"}, "query.duration_min"),
    ],
)
def test_the_api_refuses_the_same_filters(make_listing, params, field):
    """?language=zz passed the schema's two-letter pattern and matched nothing."""
    make_listing("Harbour walk")

    response = Client().get("/api/v1/search", params)

    assert list(error_fields(response)) == [field]


def test_the_explore_page_applies_the_apis_price_floor_duration_and_zone(make_listing):
    """The page reads the API's names (forms.py): a price floor in whole units of the currency,
    a duration range in minutes, the viewer's zone for the dates; each stays in the form."""
    make_listing("Cheap walk", price_amount=1000, duration_minutes=60)
    make_listing("Dear walk", price_amount=5000, duration_minutes=60)
    make_listing("Long walk", price_amount=5000, duration_minutes=240)
    params = {
        "price_min": "30",
        "currency": "CAD",
        "duration_max": "120",
        "tz": "Asia/Tokyo",
    }

    page = Client().get("/explore/", params)

    assert page.status_code == 200
    assert [hit.title for hit in page.context["page"].hits] == ["Dear walk"]
    html = page.content.decode()
    assert 'name="price_min" min="0" value="30"' in html
    assert 'name="duration_max" min="0" value="120"' in html
    assert '<input type="hidden" name="tz" value="Asia/Tokyo">' in html


# --- a listing's title in its own language, on every page that shows it ----------------------

TITLE = "Stadtführung durch Köln"
# The title (or the link that is the title) inside an element marked as German.
MARKED = re.compile(r'<\w+ [^>]*\blang="de"[^>]*>(?:<a [^>]*>)?Stadtführung durch Köln</')


@pytest.fixture
def german_booking(make_listing, make_slot) -> Booking:
    """A German listing with a confirmed booking, everyone's pages in English; the worker has
    told guest and host."""
    walk = make_listing(
        TITLE,
        summary="Zwei Stunden zu Fuß durch die Altstadt.",
        description="**Treffpunkt** am Dom.",
        description_html="<p><strong>Treffpunkt</strong> am Dom.</p>",  # as the service renders it
        content_language="de",
        city="Köln",
        languages=["de", "en"],
    )
    slot = make_slot(walk, in_days=3)
    guest = User.objects.create(username="ada", email="ada@example.org", first_name="Ada")
    now = timezone.now()
    booking = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    if booking.status == Booking.Status.HELD:
        booking = bookings.confirm_booking(guest=guest, reference=booking.reference, now=now)
    relay.drain(queue="urgent", budget=10)
    return booking


def _signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "page",
    [
        "/bookings/",
        "/bookings/{reference}/",
        "/bookings/{reference}/cancel/",
        "/bookings/new/?slot={slot}",
        "/notifications/",
    ],
)
def test_a_guests_pages_mark_the_listings_title_with_its_language(german_booking, page):
    """The guest's bookings, the booking page, its cancel and transfer pages, the booking form
    and the inbox ("Your booking for “Stadtführung durch Köln” … is confirmed.") read the German
    title with the English page's voice, where the explore page marks it."""
    url = page.format(reference=german_booking.reference, slot=german_booking.slot_id)

    response = _signed_in(german_booking.guest).get(url)

    assert response.status_code == 200
    assert MARKED.search(response.content.decode())


@pytest.mark.parametrize(
    "page",
    [
        "/host/",
        "/host/slots/{slot}/roster/",
        "/host/bookings/{reference}/",
        "/host/listings/{listing}/",
        "/host/listings/{listing}/schedules/",
        "/notifications/",
    ],
)
def test_a_hosts_pages_mark_the_listings_title_with_its_language(german_booking, page):
    url = page.format(
        reference=german_booking.reference,
        slot=german_booking.slot_id,
        listing=german_booking.listing_id,
    )

    response = _signed_in(german_booking.listing.host.user).get(url)

    assert response.status_code == 200
    assert MARKED.search(response.content.decode())


def test_the_listing_page_marks_its_description_with_its_language(german_booking):
    """The title and the summary were marked; the description (Markdown, the longest German
    text on the page) was not."""
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/things-to-do/{german_booking.listing_id}/")

    assert re.search(
        r'<div class="prose" lang="de"><p><strong>Treffpunkt</strong> am Dom.</p>',
        html.content.decode(),
    )
