"""Review (session 18): a transfer offer was a way to make the site mail any address at will.
Each offer to a new address withdrew the previous one and mailed the new address, with the
giver's name (their own text) in it, from our sender address, and nothing counted them. A
booking's guest now makes at most BOOKINGS_TRANSFERS_PER_BOOKING offers of it (3; 409
transfer_limit: it never lifts) and at most BOOKINGS_TRANSFERS_PER_DAY offers in any 24 hours
(10; 429 throttled, with when the next one may go). A refused offer sends nothing and changes
nothing. Personas come from conftest.py: guest A (`guest`), guest B (`other_guest`)."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.errors import TransferLimitReached, TransfersThrottled
from outings.bookings.models import Booking, BookingEvent, Transfer
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_races_session13 import book, race
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.common.models import OutboxMessage
from outings.common.tests.test_review_session13_ops import SERVICES, _refusal, _start
from outings.scheduling.models import Slot

DAY = timedelta(hours=24)


def offer(guest: User, booking: Booking, address: str, *, now: Any = NOW) -> Transfer:
    transfer, _secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=address, now=now
    )
    return transfer


def state() -> dict[str, Any]:
    """What a refused offer must leave as it was: transfers, the history, the mail queued."""
    return {
        "transfers": sorted(Transfer.objects.values_list("pk", "status", "to_email")),
        "guests": dict(Booking.objects.values_list("pk", "guest_id")),
        "events": BookingEvent.objects.count(),
        "outbox": sorted(OutboxMessage.objects.values_list("pk", flat=True)),
    }


def mails_to(address: str) -> int:
    return OutboxMessage.objects.filter(
        kind="email.send", payload__template="booking_transfer", payload__to=address
    ).count()


@pytest.fixture
def roomy(listing: Listing) -> Slot:
    """A date with room for a guest's dozen one-seat bookings."""
    return SlotFactory.create(listing=listing, capacity=30)


@pytest.mark.django_db
def test_a_guest_offers_a_booking_and_corrects_the_address(guest: User, slot: Slot) -> None:
    """Pinned: a real guest's offer and one correction (a second address) both go."""
    booking = book(guest, slot, 2)

    first = offer(guest, booking, "frend@example.org")
    second = offer(guest, booking, "friend@example.org", now=NOW + timedelta(minutes=1))

    first.refresh_from_db()
    assert first.status == Transfer.Status.WITHDRAWN
    assert second.status == Transfer.Status.PENDING
    assert (mails_to("frend@example.org"), mails_to("friend@example.org")) == (1, 1)


@pytest.mark.django_db
def test_a_booking_is_offered_three_times_at_most(guest: User, slot: Slot) -> None:
    """Bug: a booking could be offered to address after address, each one mailed. The fourth
    offer of one booking is refused (409 transfer_limit; it never lifts): nothing mailed, the
    third offer still pending, no event."""
    booking = book(guest, slot, 2)
    for n in range(3):
        offer(guest, booking, f"friend{n}@example.org", now=NOW + timedelta(minutes=n))
    before = state()

    with pytest.raises(TransferLimitReached) as refused:
        offer(guest, booking, "stranger@example.org", now=NOW + timedelta(days=3))

    assert (refused.value.code, refused.value.status_code) == ("transfer_limit", 409)
    assert refused.value.message == (
        "This booking has been offered to someone else too many times; it cannot be offered again."
    )
    assert state() == before
    assert mails_to("stranger@example.org") == 0
    pending = Transfer.objects.get(status=Transfer.Status.PENDING)
    assert pending.to_email == "friend2@example.org"


@pytest.mark.django_db
def test_at_the_limit_a_retry_to_the_pending_address_still_answers(guest: User, slot: Slot) -> None:
    """Pinned: the same address again (a double click, a retry) is the pending offer, not a new
    one: it is answered at the limit too, and mails nothing."""
    booking = book(guest, slot, 2)
    for n in range(3):
        last = offer(guest, booking, f"friend{n}@example.org")
    before = state()

    again = offer(guest, booking, "FRIEND2@example.org")

    assert again.pk == last.pk
    assert state() == before


@pytest.mark.django_db
def test_the_new_guest_of_a_handed_on_booking_may_offer_it_in_turn(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """Pinned: the limit counts the offers of the booking's present guest; the guest it was
    handed to offers it too, whatever the giver used."""
    booking = book(guest, slot, 2)
    offer(guest, booking, "friend0@example.org")
    offer(guest, booking, "friend1@example.org")
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=other_guest.email, now=NOW
    )
    services.accept_transfer(user=other_guest, secret=secret, now=NOW)

    onward = offer(other_guest, booking, "someone@example.org")

    assert onward.status == Transfer.Status.PENDING
    assert onward.from_user_id == other_guest.pk


@pytest.mark.django_db
def test_a_guest_makes_ten_offers_a_day_at_most(guest: User, roomy: Slot) -> None:
    """Bug: one account could make the site mail any number of addresses, one booking after
    another. The eleventh offer within 24 hours is refused (429 throttled) with the seconds
    until the oldest of the ten is a day old; nothing mailed. After that it goes."""
    bookings = [book(guest, roomy, 1) for _n in range(11)]
    for n, booking in enumerate(bookings[:10]):
        offer(guest, booking, f"friend{n}@example.org", now=NOW + timedelta(minutes=n))
    before = state()
    later = NOW + timedelta(hours=5)

    with pytest.raises(TransfersThrottled) as refused:
        offer(guest, bookings[10], "stranger@example.org", now=later)

    assert (refused.value.code, refused.value.status_code) == ("throttled", 429)
    assert refused.value.retry_after == int((NOW + DAY - later).total_seconds())
    assert refused.value.message == (
        "You have offered bookings to too many addresses in the last 24 hours. Try again later."
    )
    assert state() == before
    assert mails_to("stranger@example.org") == 0

    # The first offer is a day old: one more may go, and then none again.
    offer(guest, bookings[10], "stranger@example.org", now=NOW + DAY + timedelta(seconds=1))
    assert mails_to("stranger@example.org") == 1
    with pytest.raises(TransfersThrottled) as again:
        offer(guest, bookings[10], "stranger2@example.org", now=NOW + DAY + timedelta(seconds=2))
    # Until the second offer (a minute after the first) is a day old.
    assert again.value.retry_after == 60 - 2


# --- The page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_refuses_a_fourth_offer_with_a_message_and_sends_nothing(
    guest_client: Client, guest: User, slot: Slot, nudges: list[str]
) -> None:
    booking = book(guest, slot, 2)
    path = f"/bookings/{booking.reference}/transfer/"
    for n in range(3):
        assert guest_client.post(path, {"to_email": f"f{n}@example.org"}).status_code == 302
    before = state()

    refused = guest_client.post(path, {"to_email": "stranger@example.org"})

    assert refused.status_code == 409
    assert (
        "This booking has been offered to someone else too many times" in refused.content.decode()
    )
    assert state() == before
    assert Transfer.objects.get(status=Transfer.Status.PENDING).to_email == "f2@example.org"


@pytest.mark.django_db
def test_the_page_refuses_an_offer_over_the_days_limit_in_german(
    guest_client: Client, guest: User, roomy: Slot, settings: Any, nudges: list[str]
) -> None:
    settings.BOOKINGS_TRANSFERS_PER_DAY = 2
    bookings = [book(guest, roomy, 1) for _n in range(3)]
    for n, booking in enumerate(bookings[:2]):
        path = f"/bookings/{booking.reference}/transfer/"
        assert guest_client.post(path, {"to_email": f"f{n}@example.org"}).status_code == 302
    before = state()

    refused = guest_client.post(
        f"/bookings/{bookings[2].reference}/transfer/",
        {"to_email": "stranger@example.org"},
        headers={"Accept-Language": "de"},
    )

    assert refused.status_code == 429
    assert (
        "Du hast in den letzten 24 Stunden zu vielen Adressen Buchungen angeboten."
        in refused.content.decode()
    )
    assert state() == before


# --- Two at once --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_offers_at_once_do_not_pass_the_days_limit_together(
    guest: User, roomy: Slot, settings: Any
) -> None:
    """Bug: with the count read without a lock, two offers of two bookings at the same moment
    both counted one under the limit and both went. The guest's offers are counted under a lock
    of the guest's own: the second waits for the first and is refused."""
    settings.BOOKINGS_TRANSFERS_PER_DAY = 2
    first, second, third = (book(guest, roomy, 1) for _n in range(3))
    offer(guest, first, "f0@example.org")

    one, two = race(
        lambda: offer(guest, second, "f1@example.org"),
        lambda: offer(guest, third, "f2@example.org"),
    )

    assert one.error is None
    assert isinstance(two.error, TransfersThrottled)
    assert Transfer.objects.count() == 2
    assert mails_to("f2@example.org") == 0


# --- The settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variable", ["BOOKINGS_TRANSFERS_PER_BOOKING", "BOOKINGS_TRANSFERS_PER_DAY"]
)
@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_limit_below_one_stops_the_start_naming_it(variable: str, value: str) -> None:
    """A limit of 0 answered every offer with a 500 (no offer to wait for: IndexError), and a
    negative one with Django's refusal of a negative slice: there is no limit that makes sense
    below one offer."""
    refusal = _refusal(_start(**SERVICES, **{variable: value}))

    assert refusal == f"{variable} must be a whole number of at least 1, not {value}"


@pytest.mark.parametrize(
    "variable",
    [
        "BOOKINGS_HOLD_MINUTES",
        "BOOKINGS_REQUEST_HOURS",
        "BOOKINGS_WAITLIST_OFFER_MINUTES",
        "BOOKINGS_REMINDER_HOURS",
    ],
)
@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_bookings_duration_below_one_stops_the_start_naming_it(variable: str, value: str) -> None:
    """Unchecked, 0 made a hold, a request or a waiting-list offer lapse the moment it was made
    (`expires_at` = now, a negative value before it): a hold kept no seats through checkout
    (shown as expired at once, its seats anyone's), a request to book was declined as it was
    sent (no host could accept one), a waiting-list offer could not be taken; the reminder went
    at the start (or after it). The same one line as the transfer limits."""
    refusal = _refusal(_start(**SERVICES, **{variable: value}))

    assert refusal == f"{variable} must be a whole number of at least 1, not {value}"


def test_the_bookings_durations_at_one_start() -> None:
    """The smallest value each may take starts."""
    ones = dict.fromkeys(
        [
            "BOOKINGS_HOLD_MINUTES",
            "BOOKINGS_REQUEST_HOURS",
            "BOOKINGS_WAITLIST_OFFER_MINUTES",
            "BOOKINGS_REMINDER_HOURS",
            "BOOKINGS_TRANSFERS_PER_BOOKING",
            "BOOKINGS_TRANSFERS_PER_DAY",
        ],
        "1",
    )
    started = _start(**SERVICES, **ones)

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "started"
