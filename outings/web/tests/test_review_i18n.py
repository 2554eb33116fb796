"""Review of languages, time zones, currencies and formats across the pages and the API.

Each failing test names a defect found by reading the code; the passing ones pin behaviour that
was checked and found right (and that no other test covered): German and English money per
currency, and the booking pages on the days clocks change in Europe/Madrid and America/Toronto.
"""

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from outings.accounts.models import User
from outings.bookings import services as bookings
from outings.bookings.models import Booking
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
    category,
)
from outings.notifications import live
from outings.scheduling.models import Slot
from outings.search.engine import search
from outings.search.query import SearchQuery
from outings.search.services import load_exchange_rates
from outings.web.formatting import format_distance
from tests.browser.conftest import (
    _chromium,  # noqa: F401 - the fixture browser uses
    browser,  # noqa: F401 - the fixture
    front,  # noqa: F401 - the fixture
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

LANGUAGE = settings.LANGUAGE_COOKIE_NAME
SOON = timezone.now() + timedelta(days=3)


def text_of(response: Any) -> str:
    """The page's visible text, one space between words."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))


def confirmed(guest: User, slot: Slot, seats: int = 1) -> Booking:
    now = timezone.now()
    booking = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=now)
    return bookings.confirm_booking(guest=guest, reference=booking.reference, now=now)


def signed_in(user: User, *, language: str | None = None, zone: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[LANGUAGE] = language
    if zone:
        client.cookies["tz"] = zone
    return client


# --- The site's language -----------------------------------------------------------------------


def test_a_signed_in_users_chosen_language_is_the_language_of_the_site() -> None:
    """A user who chose German for their account (`PATCH /api/v1/me` with
    `preferred_language: "de"`; the API documents an empty value as "follow the browser", so a
    chosen one is meant to win over it, as the chosen time zone does in TimezoneMiddleware)
    expects the site in German on any browser they sign in with. Django's LocaleMiddleware reads
    only the `django_language` cookie and Accept-Language, and nothing applies
    `User.preferred_language`: the pages come in English (and mail in German)."""
    user = UserFactory.create(preferred_language="de")
    client = signed_in(user)

    response = client.get("/bookings/", headers={"Accept-Language": "en-GB,en;q=0.9"})

    assert '<html lang="de">' in response.content.decode()
    assert "Meine Buchungen" in text_of(response)


def test_the_language_a_visitor_picks_is_remembered_after_the_browser_closes() -> None:
    """A visitor whose browser asks for English picks "Deutsch" in the menu and expects German
    the next day too. The switcher is Django's set_language, whose cookie lasts
    LANGUAGE_COOKIE_AGE, which settings never set (None): a session cookie, gone when the
    browser closes, so the site is English again. (The `tz` cookie the site sets lasts a
    year.)"""
    client = Client()

    client.post(
        "/i18n/setlang/",
        {"language": "de", "next": "/"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )

    cookie = client.cookies[LANGUAGE]
    assert cookie.value == "de"
    assert cookie["max-age"] or cookie["expires"], "the language cookie is a session cookie"


# --- Plural forms ----------------------------------------------------------------------------


def test_asking_too_many_seats_of_a_one_seat_date_reads_one_seat() -> None:
    """A guest asks for 2 seats on a date that has one in all; they expect "This date has 1 seat
    in all." (German "1 Platz"). The service formats one plural-less string
    (`bookings/services/holds.py`, `_("This date has %(n)s seats in all.")`), so the form says
    "This date has 1 seats in all." / "Dieser Termin hat insgesamt 1 Plätze."."""
    listing = ListingFactory.create(max_group_size=6)
    slot = SlotFactory.create(listing=listing, starts_at=SOON, capacity=1)
    guest = UserFactory.create()

    english = signed_in(guest).post(
        "/bookings/new/", {"slot": slot.pk, "seats": 2, "form_token": "t" * 20}
    )
    german = signed_in(guest, language="de").post(
        "/bookings/new/", {"slot": slot.pk, "seats": 2, "form_token": "u" * 20}
    )

    assert english.status_code == german.status_code == 400
    assert "This date has 1 seat in all." in text_of(english)
    assert "insgesamt 1 Platz." in text_of(german)


def test_the_roster_of_a_date_with_one_place_reads_one_place() -> None:
    """The host of a one-place date (a private tour) opens its roster and expects "1 confirmed,
    0 held or requested, 1 place." The sentence is one blocktranslate without a count
    (hosting/roster.html), so it reads "1 places." and in German "1 Plätze."."""
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host)
    slot = SlotFactory.create(listing=listing, starts_at=SOON, capacity=1)
    confirmed(UserFactory.create(), slot)

    english = text_of(signed_in(host.user).get(f"/host/slots/{slot.pk}/roster/"))
    german = text_of(signed_in(host.user, language="de").get(f"/host/slots/{slot.pk}/roster/"))

    assert "1 confirmed, 0 held or requested, 1 place." in english
    assert "1 Plätze" not in german
    assert "1 Platz" in german


@pytest.mark.django_db(transaction=True)
def test_seats_left_updated_live_keep_their_plural_and_sold_out(
    front: str,  # noqa: F811 - the fixture imported above
    browser: Any,  # noqa: F811 - the fixture imported above
) -> None:
    """A visitor watches a date that reads "1 seat left"; a seat is freed, and the page (which
    updates seats live, notifications/live.js) should read "2 seats left"; when the date fills,
    "Sold out", as a fresh page would. live.js replaces only the number inside the sentence
    rendered for the old count, so it reads "2 seat left", then "0 seat left" on a date that
    cannot be booked (and "2 Platz frei" in German)."""
    category("tours")
    listing = ListingFactory.create(title="Harbour walk")
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    slot = SlotFactory.create(listing=listing, starts_at=start, capacity=8, seats_taken=7)
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{front}/things-to-do/{listing.pk}/")
    seats = page.locator(".slot__seats").first
    assert seats.inner_text() == "1 seat left"

    # The socket is open once an event gets through: until then, send the same one again.
    deadline = time.monotonic() + 15
    change = 100
    while "2" not in seats.inner_text():
        assert time.monotonic() < deadline, "the page's socket never delivered an event"
        change += 1
        live.publish(
            live.listing_group(listing.pk),
            {"type": "seats", "listing": listing.pk, "slot": slot.pk, "seats_left": 2,
             "change": change},
        )  # fmt: skip
        time.sleep(0.2)
    two = seats.inner_text()
    live.publish(
        live.listing_group(listing.pk),
        {"type": "seats", "listing": listing.pk, "slot": slot.pk, "seats_left": 0,
         "change": change + 1},
    )  # fmt: skip
    # Not a predicate the page evaluates: the site's Content-Security-Policy forbids eval there.
    expect(seats).not_to_contain_text("2", timeout=10_000)

    assert (two, seats.inner_text()) == ("2 seats left", "Sold out")


# --- Times named with their zone --------------------------------------------------------------


def test_a_cards_next_date_names_the_zone_it_is_given_in() -> None:
    """Every time on the site names its zone ("Sat, July 5, 2031, 10 a.m. EDT", docs/pages.md),
    and explore's cards do (bookings/_when.html). The home page's "Bookable experiences" cards
    (web/_listing_card.html) print the listing's local date and time with no zone: a visitor in
    Toronto reads a Madrid walk's "10 a.m." as their own 10 a.m."""
    listing = ListingFactory.create(
        title="Retiro walk", time_zone="Europe/Madrid", city="Madrid", country_code="ES"
    )
    SlotFactory.create(listing=listing, starts_at=datetime(2031, 7, 5, 8, 0, tzinfo=UTC))
    client = Client()
    client.cookies["tz"] = "America/Toronto"

    body = client.get("/").content.decode()

    shown = re.search(r'<p class="card__next">(.*?)</p>', body, re.S)
    assert shown is not None
    assert "10 a.m. CEST" in re.sub(r"<[^>]+>", "", shown.group(1))


def test_the_host_dashboard_names_each_dates_zone_in_the_languages_format() -> None:
    """A host reads their dashboard in German and expects each date as on every other page: the
    listing's local time in the language's format with the zone named ("So, 27. Oktober 2030,
    10:00 CET"; the day Madrid's clocks go back, when the day before is CEST). The dashboard
    prints a fixed English-order format with no zone (`date:"D j M, H:i"`,
    hosting/dashboard.html): "So 27 Okt, 10:00", the same for a Toronto or a Madrid walk."""
    host = HostProfileFactory.create()
    madrid = ListingFactory.create(host=host, title="Retiro walk", time_zone="Europe/Madrid")
    # 2030-10-27 is the day Europe/Madrid goes back from CEST to CET: 10:00 CET is 09:00 UTC.
    slot = SlotFactory.create(listing=madrid, starts_at=datetime(2030, 10, 27, 9, 0, tzinfo=UTC))
    confirmed(UserFactory.create(), slot)

    page = text_of(signed_in(host.user, language="de").get("/host/"))

    assert "So, 27. Oktober 2030, 10:00 CET" in page


# --- Numbers -------------------------------------------------------------------------------


def test_a_distance_just_under_a_kilometre_reads_in_kilometres() -> None:
    """Distances under a kilometre read in metres rounded to 10 m, others in kilometres
    (docs/pages.md). 996 m is rounded to 1000 *after* the choice was made, so it reads
    "1000 m" where every distance from 1 km on reads "1.0 km"."""
    assert format_distance(996) == "1.0 km"


# --- Search in the languages of the catalogue --------------------------------------------------


@pytest.fixture
def rates(db: None) -> None:
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")


@pytest.mark.usefixtures("rates")
@pytest.mark.parametrize(
    ("title", "language", "city", "typed"),
    [
        ("Visitas guiadas por el Museo del Prado", "es", "Madrid", "visita guiada"),
        ("Прогулки по Москве", "ru", "Москва", "прогулка москва"),
    ],
)
def test_a_listing_is_found_by_the_dictionary_form_of_its_own_words(
    client: Client, title: str, language: str, city: str, typed: str
) -> None:
    """The Madrid part of the catalogue is written in Spanish, and Russian listings are stemmed
    in Russian (docs/search.md): a guest who types "visita guiada" expects "Visitas guiadas por
    el Museo del Prado", as one who types "walking tour" finds "Walking tours". The query is
    stemmed only in the viewer's language, which the site and the API take from the page
    language (English or German, never Spanish or Russian), and in `simple`: 'visita' & 'guiada'
    never meet the document's Spanish 'visit' & 'gui', nor 'прогулка' the Russian 'прогулк', so
    neither the explore page nor /api/v1/search finds the listing."""
    ListingFactory.create(title=title, content_language=language, city=city, summary="")

    explore = client.get("/explore/", {"q": typed})
    api = client.get("/api/v1/search", {"q": typed})

    assert [hit.title for hit in search(SearchQuery(text=typed)).hits] == [title]
    assert title in explore.content.decode()
    assert [hit["title"] for hit in api.json()["results"]] == [title]


# --- The API's error messages ------------------------------------------------------------------


@pytest.mark.usefixtures("rates")
def test_an_api_error_speaks_one_language() -> None:
    """A client asking the API in German (Accept-Language: de) for an end date before the start
    date gets one error body. Its message is the error class's English default (never
    translated on the API), but the field's message was translated by the search rules
    (`gettext` in outings/search/query.py): "The search has invalid parameters." next to "Das
    Enddatum darf nicht vor dem Startdatum liegen." Either both should be German or both
    English."""
    response = Client().get(
        "/api/v1/search",
        {"date_from": "2031-07-05", "date_to": "2031-07-04"},
        headers={"Accept-Language": "de"},
    )

    error = response.json()["error"]
    german = (
        "Die Suche hat ungültige Angaben.",
        ["Das Enddatum darf nicht vor dem Startdatum liegen."],
    )
    english = (
        "The search has invalid parameters.",
        ["The end date must not be before the start date."],
    )
    assert response.status_code == 400
    assert (error["message"], error["fields"]["query.date_to"]) in (german, english)


# --- Checked and right ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "english", "german"),
    [
        (150000, "JPY", "¥150,000", "150.000\u00a0¥"),
        (123456, "EUR", "€1,234.56", "1.234,56\u00a0€"),
        (99, "USD", "$0.99", "0,99\u00a0$"),
    ],
)
def test_a_booking_page_shows_its_price_per_currency_and_language(
    amount: int, currency: str, english: str, german: str
) -> None:
    listing = ListingFactory.create(price_amount=amount, currency=currency, max_group_size=6)
    slot = SlotFactory.create(listing=listing, starts_at=SOON)
    guest = UserFactory.create()
    booking = confirmed(guest, slot)

    shown_en = text_of(signed_in(guest).get(f"/bookings/{booking.reference}/"))
    shown_de = text_of(signed_in(guest, language="de").get(f"/bookings/{booking.reference}/"))

    assert f"Price {english}" in shown_en
    assert f"Preis {german}" in shown_de


@pytest.mark.parametrize(
    ("zone", "before", "after", "shown_before", "shown_after"),
    [
        # Europe/Madrid goes back on 2030-10-27: 10:00 is 08:00 UTC the day before, 09:00 after.
        (
            "Europe/Madrid",
            datetime(2030, 10, 26, 8, 0, tzinfo=UTC),
            datetime(2030, 10, 27, 9, 0, tzinfo=UTC),
            "Sa, 26. Oktober 2030, 10:00 CEST",
            "So, 27. Oktober 2030, 10:00 CET",
        ),
        # America/Toronto goes forward on 2031-03-09: 10:00 is 15:00 UTC the day before, 14:00.
        (
            "America/Toronto",
            datetime(2031, 3, 8, 15, 0, tzinfo=UTC),
            datetime(2031, 3, 9, 14, 0, tzinfo=UTC),
            "Sa, 8. März 2031, 10:00 EST",
            "So, 9. März 2031, 10:00 EDT",
        ),
    ],
)
def test_bookings_around_a_clock_change_read_at_their_local_time_everywhere(
    zone: str, before: datetime, after: datetime, shown_before: str, shown_after: str
) -> None:
    """A 10:00 walk on the day before and the day of a clock change reads 10:00 with the right
    abbreviation on the guest's booking page, their list and cancel page, and the host's
    roster, whatever the viewer's own zone."""
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host, time_zone=zone)
    guest = UserFactory.create()
    first = confirmed(guest, SlotFactory.create(listing=listing, starts_at=before))
    second = confirmed(guest, SlotFactory.create(listing=listing, starts_at=after))
    client = signed_in(guest, language="de", zone="Asia/Tokyo")
    host_client = signed_in(host.user, language="de")

    mine = text_of(client.get("/bookings/"))

    assert mine.index(shown_before) < mine.index(shown_after)
    for booking, shown in ((first, shown_before), (second, shown_after)):
        assert shown in text_of(client.get(f"/bookings/{booking.reference}/"))
        assert shown in text_of(client.get(f"/bookings/{booking.reference}/cancel/"))
        assert shown in text_of(host_client.get(f"/host/slots/{booking.slot_id}/roster/"))


def test_an_anonymous_page_is_never_served_in_another_language_from_the_cache() -> None:
    """A German visitor's copy of the list of things to do, in the page cache, is not what an
    English visitor gets next, and the other way round; both say they vary on the language."""
    ListingFactory.create(price_amount=150000, currency="EUR")

    english = Client().get("/things-to-do/", headers={"Accept-Language": "en"})
    german = Client().get("/things-to-do/", headers={"Accept-Language": "de"})
    english_again = Client().get("/things-to-do/", headers={"Accept-Language": "en"})
    by_cookie = Client(headers={"Accept-Language": "en"})
    by_cookie.cookies[LANGUAGE] = "de"
    german_again = by_cookie.get("/things-to-do/")

    assert "€1,500.00" in english_again.content.decode()
    assert '<html lang="en">' in english_again.content.decode()
    assert "1.500,00\u00a0€" in german_again.content.decode()
    assert '<html lang="de">' in german_again.content.decode()
    for response in (english, german, english_again, german_again):
        assert "Accept-Language" in response["Vary"]
        assert "Cookie" in response["Vary"]


@pytest.mark.usefixtures("rates")
def test_the_explore_pages_currency_stays_in_the_url_and_prices_the_up_to_filter(
    client: Client,
) -> None:
    """A visitor choosing yen filters "up to" in whole yen (a 25.00 EUR walk is 4,050 yen at the
    bundled rate), sees yen still chosen, and the city chips keep it in their links."""
    ListingFactory.create(title="Retiro walk", city="Madrid", price_amount=2500, currency="EUR")

    cheaper = client.get("/explore/", {"q": "retiro", "currency": "JPY", "price_max": "4000"})
    dearer = client.get("/explore/", {"q": "retiro", "currency": "JPY", "price_max": "4100"})

    assert "Retiro walk" not in cheaper.content.decode()
    body = dearer.content.decode()
    assert "Retiro walk" in body
    assert '<option value="JPY" selected>' in body
    chip = re.search(r'href="\?([^"]*)&amp;city=Madrid"', body)
    assert chip is not None
    assert "currency=JPY" in chip.group(1)
