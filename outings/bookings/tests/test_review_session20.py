"""Session 20's review of bookings, with fresh eyes: each test names what should be true and what
was true instead."""

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import HostProfile, User
from outings.bookings import selectors, services
from outings.bookings.errors import HoldExpired
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.models import Listing
from outings.catalog.tests.factories import UserFactory
from outings.notifications.models import Notification
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


def _api_of(user: User) -> Client:
    secret = account_services.create_api_token(user=user, name="tests").secret
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _lapsed_request(slot: Slot) -> Booking:
    """A request made two days ago on a listing by request, whose day to answer has passed and
    that no sweep has recorded yet (the worker is behind)."""
    Listing.objects.filter(pk=slot.listing_id).update(instant_booking=False)
    asked = timezone.now() - timedelta(days=2)
    booking = services.hold_seats(
        guest=UserFactory.create(first_name="Late", last_name="Request"),
        slot_id=slot.pk,
        seats=3,
        now=asked,
    )
    assert booking.status == Booking.Status.REQUESTED
    assert booking.expires_at is not None
    assert booking.expires_at <= timezone.now()
    return booking


def _confirmed(slot: Slot, seats: int = 2) -> Booking:
    guest = UserFactory.create(first_name="Ada", last_name="Byron")
    now = timezone.now()
    Listing.objects.filter(pk=slot.listing_id).update(instant_booking=True)
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=now)
    return services.confirm_booking(guest=guest, reference=booking.reference, now=now)


# --- A lapsed request on the host's reads ---------------------------------------------------


def test_the_roster_page_shows_no_lapsed_request_as_awaiting_the_host(
    client: Client, host: HostProfile, slot: Slot
) -> None:
    """Every read counts a hold or request whose time ran out as free (DESIGN.md, invariant 2),
    and the host's API reads it as declined. The roster listed it as
    "Awaiting the host", with "Accept or decline" (whose accept can only fail), and counted its
    seats as held or requested."""
    lapsed = _lapsed_request(slot)
    _confirmed(slot)
    client.force_login(host.user)

    page = client.get(f"/host/slots/{slot.pk}/roster/").content.decode()

    assert "2 confirmed, 0 held or requested, 10 places." in page
    assert lapsed.reference not in page
    assert "Accept or decline" not in page


def test_the_roster_csv_lists_no_lapsed_request(
    client: Client, host: HostProfile, slot: Slot
) -> None:
    """The CSV is the roster: who comes. It listed the lapsed request as awaiting the host."""
    lapsed = _lapsed_request(slot)
    kept = _confirmed(slot)
    client.force_login(host.user)

    response = client.get(f"/host/slots/{slot.pk}/roster.csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))

    assert [row[0] for row in rows[1:]] == [kept.reference]
    assert lapsed.reference not in str(rows)


def test_the_roster_api_lists_no_lapsed_request(host: HostProfile, slot: Slot) -> None:
    """GET /host/slots/{id}/roster: "the bookings holding seats". It listed the lapsed request
    as `requested`, with an expires_at in the past."""
    _lapsed_request(slot)
    kept = _confirmed(slot)

    body: Any = _api_of(host.user).get(f"/api/v1/host/slots/{slot.pk}/roster").json()

    assert [(item["reference"], item["status"]) for item in body["items"]] == [
        (kept.reference, "confirmed")
    ]


def test_the_host_bookings_api_filters_by_the_status_it_shows(
    host: HostProfile, slot: Slot
) -> None:
    """GET /host/bookings?status=requested ("waiting for your answer") returned the lapsed
    request, which the same response showed as `declined`; ?status=declined missed it."""
    lapsed = _lapsed_request(slot)
    api = _api_of(host.user)

    requested: Any = api.get("/api/v1/host/bookings?status=requested").json()
    declined: Any = api.get("/api/v1/host/bookings?status=declined").json()

    assert requested["items"] == []
    assert [(item["reference"], item["status"]) for item in declined["items"]] == [
        (lapsed.reference, "declined")
    ]


def test_the_dashboard_shows_no_lapsed_request(
    client: Client, host: HostProfile, slot: Slot
) -> None:
    """The host's dashboard lists the latest confirmed bookings and open requests: a request
    whose time ran out is not open."""
    lapsed = _lapsed_request(slot)
    kept = _confirmed(slot)

    latest = selectors.latest_for_host(host=host, now=timezone.now())

    assert [booking.reference for booking in latest] == [kept.reference]
    assert lapsed.reference not in [booking.reference for booking in latest]


def test_the_hosts_booking_page_shows_a_lapsed_request_as_declined(
    client: Client, host: HostProfile, slot: Slot
) -> None:
    """The host's page of one booking showed a lapsed request as "Awaiting the host", with
    "Answer by" a time gone by, Accept, Decline and Cancel: each can only be refused."""
    lapsed = _lapsed_request(slot)
    client.force_login(host.user)

    page = client.get(f"/host/bookings/{lapsed.reference}/").content.decode()

    assert "status-badge--declined" in page
    assert "Awaiting the host" not in page
    assert 'id="accept-form"' not in page
    assert 'id="decline-form"' not in page
    assert 'id="cancel-form"' not in page


# --- Declining a request that lapsed ----------------------------------------------------------


def test_a_host_cannot_decline_a_request_that_lapsed(host: HostProfile, slot: Slot) -> None:
    """A request the host left unanswered past its deadline is declined by Outings (the sweep,
    and every read from that moment: the host's API shows it declined). Accepting
    it is refused as lapsed; declining it was done, as if the host had answered in time: the
    guest was told the host declined it, with the host's reason, and the history named the host
    as having done it."""
    lapsed = _lapsed_request(slot)

    response = _api_of(host.user).post(
        f"/api/v1/host/bookings/{lapsed.reference}/decline",
        {"reason": "Too late anyway."},
        content_type="application/json",
    )

    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "hold_expired"
    lapsed.refresh_from_db()
    assert lapsed.status == Booking.Status.REQUESTED  # left for the sweep, which declines it
    assert lapsed.cancel_reason == ""
    assert not Notification.objects.filter(kind=Notification.Kind.BOOKING_DECLINED).exists()
    assert list(lapsed.events.values_list("action", flat=True)) == ["requested"]
    with pytest.raises(HoldExpired):
        services.decline_request(
            host=host, reference=lapsed.reference, reason="", now=timezone.now()
        )


# --- A lapsed hold confirmed once its listing is off sale --------------------------------------


@pytest.mark.parametrize("swept", [True, False])
@pytest.mark.parametrize("off_sale", ["paused", "host suspended"])
def test_a_lapsed_hold_is_not_confirmed_once_its_listing_is_off_sale(
    guest: User, slot: Slot, swept: bool, off_sale: str
) -> None:
    """A lapsed hold confirmed after all takes its seats again, as a new hold would: a new
    booking, which a paused listing, or one whose host was suspended, takes none of (a hold is
    refused, nothing is offered to its waiting list). The confirm re-took the seats and
    confirmed the booking on a listing off sale."""
    held_at = timezone.now() - timedelta(hours=1)
    hold = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=held_at)
    if swept:
        assert services.expire_booking(booking_id=hold.pk, now=timezone.now())
    if off_sale == "paused":
        Listing.objects.filter(pk=slot.listing_id).update(status=Listing.Status.PAUSED)
    else:
        HostProfile.objects.filter(pk=slot.listing.host_id).update(suspended_at=timezone.now())
    slot.refresh_from_db()
    seats_taken = slot.seats_taken

    with pytest.raises(HoldExpired):
        services.confirm_booking(guest=guest, reference=hold.reference, now=timezone.now())

    hold.refresh_from_db()
    assert hold.status == (Booking.Status.EXPIRED if swept else Booking.Status.HELD)
    assert hold.confirmed_at is None
    slot.refresh_from_db()
    assert slot.seats_taken == seats_taken


def test_a_live_hold_is_still_confirmed_once_its_listing_is_paused(guest: User, slot: Slot) -> None:
    """Bookings already made stand (docs/hosting.md): a hold still running when its listing is
    paused is confirmed, as before."""
    now = timezone.now()
    hold = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    Listing.objects.filter(pk=slot.listing_id).update(status=Listing.Status.PAUSED)

    booking = services.confirm_booking(guest=guest, reference=hold.reference, now=now)

    assert booking.status == Booking.Status.CONFIRMED


# --- A waiting list whose date has begun --------------------------------------------------------


def test_a_waiting_list_entry_reads_closed_once_its_date_has_started(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """GET /waitlist: an entry is `closed` once "the slot started or was cancelled"
    (WaitlistEntry.Status.CLOSED). Nothing closes an entry when its date starts, so it read
    `waiting` for ever, for a date long gone: nobody waits for a seat on it any more."""
    now = timezone.now()
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=2, now=now)
    entry = services.join_waitlist(guest=guest, slot_id=slot.pk, seats=1, now=now)
    api = _api_of(guest)
    assert api.get("/api/v1/waitlist").json()["items"][0]["status"] == "waiting"
    Slot.objects.filter(pk=slot.pk).update(
        starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1)
    )

    items = api.get("/api/v1/waitlist").json()["items"]

    assert [(item["id"], item["status"]) for item in items] == [(entry.pk, "closed")]


def test_an_open_offer_on_a_date_its_host_cancels_closes_its_entry(
    guest: User, other_guest: User, host: HostProfile, slot: Slot
) -> None:
    """A date cancelled closes its waiting list (`closed`: "the slot started or was
    cancelled"). An entry whose offer was open when its date was cancelled read `lapsed` ("the
    offer expired or was turned down"), though its guest did neither, and GET /waitlist said so."""
    now = timezone.now()
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    first = services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=2, now=now)
    waiter = UserFactory.create()
    entry = services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=2, now=now)
    services.cancel_booking(guest=other_guest, reference=first.reference, now=now)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED

    services.cancel_slot(host=host, slot_id=slot.pk, reason="Storm.", now=now)

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.CLOSED
    assert entry.offer.status == Booking.Status.CANCELLED
    items = _api_of(waiter).get("/api/v1/waitlist").json()["items"]
    assert [(item["id"], item["status"]) for item in items] == [(entry.pk, "closed")]


# --- The .ics of a booking that is not confirmed ------------------------------------------------


def test_the_ics_of_a_hold_is_tentative_and_of_a_lapsed_hold_cancelled(
    client: Client, guest: User, slot: Slot
) -> None:
    """The booking's .ics (its page's URL; linked once confirmed) said STATUS:CONFIRMED for a
    hold nobody confirmed, and PUBLISHed a lapsed one, not swept yet, as confirmed too: a
    calendar it was added to showed a booking the guest does not have."""
    now = timezone.now()
    live = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=now)
    lapsed = services.hold_seats(
        guest=guest, slot_id=slot.pk, seats=1, now=now - timedelta(hours=1)
    )
    client.force_login(guest)

    held = client.get(f"/bookings/{live.reference}/calendar.ics").content.decode()
    gone = client.get(f"/bookings/{lapsed.reference}/calendar.ics").content.decode()

    assert "STATUS:TENTATIVE" in held
    assert "METHOD:PUBLISH" in held
    assert "STATUS:CONFIRMED" not in held
    assert "METHOD:CANCEL" in gone
    assert "STATUS:CANCELLED" in gone


# --- A waiting-list entry deleted in the admin --------------------------------------------------


def test_staff_cannot_delete_a_waiting_list_entry_in_the_admin(
    client: Client, guest: User, other_guest: User, slot: Slot
) -> None:
    """Waiting-list entries change only through the services, as bookings do (whose admin
    deletes nothing). Deleting one in the admin cut its open offer loose (waitlist_entry set to
    null): on a listing that takes requests, the offer was then confirmed at once, without the
    host's yes, and nobody waiting was told anything."""
    now = timezone.now()
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=2, now=now)
    entry = services.join_waitlist(guest=guest, slot_id=slot.pk, seats=1, now=now)
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    page = client.get(f"/admin/bookings/waitlistentry/{entry.pk}/delete/")
    posted = client.post(f"/admin/bookings/waitlistentry/{entry.pk}/delete/", {"post": "yes"})
    bulk = client.post(
        "/admin/bookings/waitlistentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert page.status_code == 403
    assert posted.status_code == 403
    assert bulk.status_code in (200, 302)  # no such action: the list again, nothing deleted
    assert WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistEntry.Status.WAITING).exists()
