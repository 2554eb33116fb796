"""Review of the guest's booking pages (hold, confirm, cancel, the one-time form token, times,
German): each test names what goes wrong today and why. Personas come from conftest.py: guest A
(`guest`), the listing's host (`host`)."""

import re
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.common.errors import DomainError
from outings.scheduling.models import Slot


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def text(response: Any) -> str:
    return str(response.content.decode())


def confirmed(guest: User, slot: Slot, seats: int = 2) -> Booking:
    now = timezone.now()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=now)
    return services.confirm_booking(guest=guest, reference=held.reference, now=now)


# --- A tz cookie that names a folder of the zone database ------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", ["Europe", "America", "x" * 300])
def test_a_bad_tz_cookie_never_breaks_the_booking_pages(
    client: Client, guest: User, slot: Slot, cookie: str
) -> None:
    """The `tz` cookie is whatever the visitor's browser sends. TimezoneMiddleware
    (outings/common/middleware.py:23-26) catches only ZoneInfoNotFoundError and ValueError, but
    `ZoneInfo("Europe")` raises IsADirectoryError (a folder of the zone database) and a name
    longer than a file name raises OSError: every page, the listing page and the guest's booking
    page included, answers 500 for that visitor. DESIGN.md: no input produces a 500; the
    middleware should fall back to UTC as it does for an unknown name."""
    booking = confirmed(guest, slot)
    client.force_login(guest)
    client.raise_request_exception = False
    client.cookies["tz"] = cookie

    listing_page = client.get(f"/things-to-do/{slot.listing_id}/")
    booking_page = client.get(f"/bookings/{booking.reference}/")

    assert (listing_page.status_code, booking_page.status_code) == (200, 200)


# --- Minimum participants, on a German page --------------------------------------------------


@pytest.mark.django_db
def test_a_date_cancelled_for_too_few_guests_says_why_in_german(
    client: Client, guest: User, listing: Listing, slot: Slot
) -> None:
    """When the beat task cancels a date below its listing's minimum, decide_minimum
    (outings/bookings/services/cancellation.py:203) stores `_("Not enough guests booked for it
    to take place.")` in Booking.cancel_reason: translated once, in the worker's language
    (English), and stored as text. The booking page (bookings/detail.html, "Cancelled by")
    prints the stored text, so a German guest reads "Storniert von Outings: Not enough guests
    booked for it to take place." Store a code (or leave the reason empty for the system) and
    translate when the page shows it."""
    Listing.objects.filter(pk=listing.pk).update(min_guests=5)
    booking = confirmed(guest, slot)
    assert services.decide_minimum(slot_id=slot.pk, now=slot.starts_at - timedelta(hours=1))
    client.force_login(guest)
    client.cookies["django_language"] = "de"

    page = text(client.get(f"/bookings/{booking.reference}/"))

    assert "Storniert von" in page  # the German page, with the cancellation shown
    assert "Not enough guests booked for it to take place." not in page


# --- Cancelling once the date has started ----------------------------------------------------


@pytest.mark.django_db
def test_the_cancel_page_of_a_started_date_offers_no_cancel_button(
    client: Client, guest: User, listing: Listing
) -> None:
    """A date that has started cannot be cancelled (docs/bookings.md; the service answers 409
    "This date has already started."). The booking page hides its cancel link then, but the
    cancel page itself (views/booking.py `cancel`, bookings/cancel.html, which only checks
    `booking.is_active`) still says "It is too late for a refund" and shows "Yes, cancel it": a
    guest who opened it shortly before the start presses a button that can only fail. The page
    should say the booking can no longer be cancelled, as it does for an ended booking."""
    now = timezone.now()
    slot = SlotFactory.create(listing=listing, starts_at=now + timedelta(hours=2))
    booking = confirmed(guest, slot)
    Slot.objects.filter(pk=slot.pk).update(starts_at=now - timedelta(minutes=5))
    client.force_login(guest)

    page = text(client.get(f"/bookings/{booking.reference}/cancel/"))

    assert "Yes, cancel it" not in page


# --- The hold's deadline ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_hold_deadline_names_the_zone_it_is_shown_in(
    client: Client, guest: User, listing: Listing, slot: Slot
) -> None:
    """The booking page says "Your seats are held until <strong>12:51</strong>" with the time
    in the viewer's zone but without naming it (bookings/detail.html: `expires_at|time`), right
    above a start time that does name its zone ("11 a.m. CEST"). Without JavaScript there is no
    `tz` cookie and the viewer's zone is UTC: a guest in Berlin reads a deadline two hours off
    their clock with nothing to tell them so. The same holds for a request's "answers by" time.
    Every other time on the booking pages carries its zone abbreviation; this one should too."""
    Listing.objects.filter(pk=listing.pk).update(time_zone="Europe/Berlin")
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    client.force_login(guest)

    page = text(client.get(f"/bookings/{held.reference}/"))

    deadline = re.search(r"held until <strong>([^<]*)</strong>", page)
    assert deadline is not None
    assert "UTC" in deadline.group(1)


# --- A double click on the last seats --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_the_last_seats_answers_with_the_booking_not_slot_full() -> None:
    """The form's one-time token promises that the same form submitted twice books once and
    answers with the first booking (docs/bookings.md, "Double submission"). hold_seats
    (outings/bookings/services/holds.py:139-147) looks the token up before taking seats and
    only catches the unique-token IntegrityError after it took seats. When the second
    submission arrives while the first is still in its transaction and the first takes the
    last seats, the second waits on the slot's row lock, then finds the slot full and raises
    SlotFull before it ever reaches the token: the browser shows the answer to the last click,
    "Not enough seats are left on this date", for a booking that was made. The token should be
    looked up again (or claimed first) before answering slot_full."""
    listing = ListingFactory.create(max_group_size=6)
    slot = SlotFactory.create(listing=listing, capacity=2)
    guest = UserFactory.create()
    now = timezone.now()
    answers: dict[str, object] = {}
    first_took_the_seats, let_first_commit = threading.Event(), threading.Event()

    def submit(name: str) -> None:
        try:
            with transaction.atomic():
                answers[name] = services.hold_seats(
                    guest=guest, slot_id=slot.pk, seats=2, now=now, form_token="same-form"
                )
                if name == "first":
                    first_took_the_seats.set()
                    let_first_commit.wait(10)
        except DomainError as error:
            answers[name] = error
        finally:
            connection.close()

    first = threading.Thread(target=submit, args=("first",))
    first.start()
    assert first_took_the_seats.wait(10)
    second = threading.Thread(target=submit, args=("second",))
    second.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # until the second waits for the slot's row lock
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
        time.sleep(0.02)
    let_first_commit.set()
    first.join(10)
    second.join(10)

    assert isinstance(answers["first"], Booking)
    assert Booking.objects.count() == 1
    assert isinstance(answers["second"], Booking), f"the second click got {answers['second']!r}"
    assert answers["second"].pk == answers["first"].pk
