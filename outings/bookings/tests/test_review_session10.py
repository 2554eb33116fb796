"""Review of the parts of booking the earlier reviews looked at least (minimum participants, the
roster's CSV, the listing's live seats): each test names what goes wrong today and why.
Personas come from conftest.py: guest A (`guest`), guest B (`other_guest`), the listing's host
(`host`); NOW is before every factory slot."""

import asyncio
import csv
import io
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import connections, transaction
from django.test import Client, override_settings

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_cancellation import confirmed
from outings.catalog.models import Listing
from outings.catalog.services import ListingData, pause_listing, update_listing
from outings.catalog.tests.factories import UserFactory
from outings.common.errors import DomainError
from outings.notifications.models import Notification
from outings.notifications.tests.test_consumers import connect, run
from outings.scheduling.models import Slot

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def told_it_is_on(slot: Slot) -> list[int]:
    """The users told the date is on, one entry per notification."""
    return sorted(
        Notification.objects.filter(
            kind=Notification.Kind.SLOT_MINIMUM_MET, data__starts_at=slot.starts_at.isoformat()
        ).values_list("user_id", flat=True)
    )


# --- Minimum participants ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_guest_whose_booking_brings_a_date_back_to_its_minimum_is_told_it_is_on(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """Minimum 3: A books 2, B books 1, the date is on and both are told. B cancels (2 of 3),
    then C books 1 and the date reaches its minimum again, with C among its guests; but C is
    never told it is on. `_check_minimum_reached` (services/holds.py:296-313) tells guests only
    the first time the slot's `minimum_met_at` is set, whoever is booked later. Issue 7 says
    reaching k tells everyone it is on, and docs/bookings.md "every guest is told the date is on
    (once)": C, one of the k guests the date now stands on, hears nothing, while the two who
    were told once are rightly not told again."""
    Listing.objects.filter(pk=slot.listing_id).update(min_guests=3)
    confirmed(guest, slot, seats=2)
    leaving = confirmed(other_guest, slot, seats=1)
    assert told_it_is_on(slot) == sorted([guest.pk, other_guest.pk])
    services.cancel_booking(guest=other_guest, reference=leaving.reference, now=NOW)
    late = UserFactory.create(email="guest.c@example.org")

    confirmed(late, slot, seats=1)

    assert told_it_is_on(slot) == sorted([guest.pk, other_guest.pk, late.pk])


@pytest.mark.django_db
def test_a_date_with_a_minimum_of_one_guest_and_nobody_booked_is_cancelled_at_the_cut_off(
    slot: Slot,
) -> None:
    """A host may set a minimum of 1 guest (catalog validation takes 0..capacity, and the
    listing form says "0: no minimum. Below it at the cut-off, the date is cancelled"): a date
    nobody booked by the cut-off should be cancelled, so that nobody can book it at the last
    minute and the host knows the date is off. `slots_due_for_minimum` only looks at listings
    with `min_guests > 1` (services/cancellation.py:175), so such a date is never decided and
    stays open for booking past its cut-off."""
    Listing.objects.filter(pk=slot.listing_id).update(min_guests=1, min_guests_cutoff_hours=48)
    at_cutoff = slot.starts_at - timedelta(hours=48)

    assert services.slots_due_for_minimum(now=at_cutoff) == [slot.pk]
    assert services.decide_minimum(slot_id=slot.pk, now=at_cutoff)
    slot.refresh_from_db()
    assert slot.status == Slot.Status.CANCELLED


@pytest.mark.django_db
def test_guests_of_a_date_that_meets_a_lowered_minimum_are_told_it_is_on(
    guest: User, host: HostProfile, slot: Slot
) -> None:
    """Minimum 4, A has 3 seats: the date is not on yet. The host lowers the minimum to 3
    (update_listing, as the listing form and PUT /host/listings do), so A's 3 seats now meet
    it, and at the cut-off `decide_minimum` keeps the date on (services/cancellation.py:203-205)
    only marking it checked. Nobody ever tells A the date is on: the notice is sent only by a
    confirmation (`_check_minimum_reached`), and none follows. Issue 7: reaching k tells
    everyone it is on; A is left unsure, up to the day, whether the date takes place."""
    Listing.objects.filter(pk=slot.listing_id).update(min_guests=4, min_guests_cutoff_hours=48)
    confirmed(guest, slot, seats=3)
    listing = Listing.objects.get(pk=slot.listing_id)
    update_listing(
        host=host,
        listing_id=listing.pk,
        expected_version=listing.version,
        data=replace(ListingData.of(listing), address="1 Harbour Street", min_guests=3),
        actor=host.user,
        now=NOW,
    )
    at_cutoff = slot.starts_at - timedelta(hours=48)

    assert not services.decide_minimum(slot_id=slot.pk, now=at_cutoff)

    slot.refresh_from_db()
    assert slot.status == Slot.Status.OPEN
    assert told_it_is_on(slot) == [guest.pk]


@pytest.mark.django_db(transaction=True)
def test_two_guests_confirming_at_once_onto_the_minimum_are_both_told_it_is_on(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """Minimum 2, A and B each hold 1 seat and confirm at the same moment. Each confirmation
    counts the confirmed seats (`_check_minimum_reached`, services/holds.py:299-305) without
    locking anything, in its own snapshot: A's transaction sees only A, B's sees only B (A has
    not committed yet), so both find 1 of 2 and nobody is ever told the date is on, although
    2 guests are confirmed. Issue 7: reaching k tells everyone it is on. Made deterministic:
    A's confirmation runs to its end and waits before committing while B confirms; A then
    commits (after at most 5 s, so that a fix that makes B wait for A cannot hang the test)."""
    Listing.objects.filter(pk=slot.listing_id).update(min_guests=2)
    first = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=NOW)
    second = services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=1, now=NOW)
    first_done, second_done = threading.Event(), threading.Event()
    errors: list[DomainError] = []

    def confirm_first() -> None:
        try:
            with transaction.atomic():
                services.confirm_booking(guest=guest, reference=first.reference, now=NOW)
                first_done.set()
                second_done.wait(timeout=5)
        except DomainError as error:  # reported by the main thread
            errors.append(error)
        finally:
            first_done.set()
            connections.close_all()

    thread = threading.Thread(target=confirm_first)
    thread.start()
    try:
        assert first_done.wait(timeout=30)
        services.confirm_booking(guest=other_guest, reference=second.reference, now=NOW)
    finally:
        second_done.set()
        thread.join(timeout=30)
    assert errors == []

    assert told_it_is_on(slot) == sorted([guest.pk, other_guest.pk])


# --- The roster's CSV -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_roster_csv_starts_no_formula_where_a_spreadsheet_splits_cells_at_semicolons(
    host: HostProfile, slot: Slot
) -> None:
    """A guest names themselves `Ann;=cmd|' /C calc'!A0`. The roster CSV prefixes a quote only
    to a cell that *starts* with a formula character (`spreadsheet_safe`,
    outings/hosting/views/bookings.py:32-36) and quotes only cells holding a comma, so the line
    reads `REF,Ann;=cmd|' /C calc'!A0,...`. Excel in the locales this site serves (German,
    Spanish, French: list separator `;`) splits that line at the semicolon and the next cell
    starts with `=`: the formula runs in the host's spreadsheet. Issue 7 asks for formula
    injection to be neutralised; OWASP's CSV-injection advice warns that a field separator
    inside a value starts a new cell (quote every cell, or neutralise after a separator)."""
    guest = UserFactory.create(first_name="Ann;=cmd|' /C calc'!A0", last_name="")
    confirmed(guest, slot, seats=1)
    client = Client()
    client.force_login(host.user)

    response = client.get(f"/host/slots/{slot.pk}/roster.csv")

    assert response.status_code == 200
    body = response.getvalue().decode("utf-8").removeprefix("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(body), delimiter=";") for cell in row]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS)] == []


# --- The listing's live seats -----------------------------------------------------------------


@pytest.fixture
def in_memory_channel_layer() -> Iterator[None]:
    """One process, so the in-memory layer sees every event (as in the notifications tests);
    the consumers query from asgiref's shared thread, whose connection is closed afterwards."""
    with override_settings(
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    ):
        yield
    run(database_sync_to_async(connections.close_all)())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("in_memory_channel_layer")
def test_a_listing_socket_hears_no_more_seats_once_the_listing_is_off_the_site(
    host: HostProfile, guest: User, slot: Slot
) -> None:
    """`ListingConsumer` (outings/notifications/consumers.py:106-114) checks that the listing
    is public only when the socket opens. A page left open on a listing its host then pauses
    keeps receiving the listing's seat counts as its bookings move (here the host cancels one),
    although the listing is no longer public and a new socket to it is refused with 4404: what
    the public may not open it may keep reading. DESIGN.md invariant 7 (what isn't yours is
    404 on every websocket) and the NotificationConsumer, which re-checks its right to each
    event before sending it, say the socket should stop (close 4404) rather than forward it."""
    booking = confirmed(guest, slot, seats=2)

    def pause_and_cancel() -> None:
        try:
            pause_listing(host=host, listing_id=slot.listing_id, actor=host.user)
            services.cancel_booking_as_host(
                host=host, reference=booking.reference, reason="Closed for repairs", now=NOW
            )
        finally:
            connections.close_all()

    async def scenario() -> object:
        socket = connect(f"/ws/listings/{slot.listing_id}/")
        assert (await socket.connect())[0]
        await asyncio.to_thread(pause_and_cancel)
        output = await socket.receive_output(timeout=1)
        await socket.disconnect()
        return output

    output = run(scenario())

    assert output == {"type": "websocket.close", "code": 4404}
