"""A waiting-list offer is a new booking: none while the listing is paused or its host suspended;
the seats freed meanwhile go to the list once it is bookable again (catalog.events.BOOKABLE)."""

import pytest
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog import services as catalog_services
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.outbox import relay
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def full_with_a_waiter(guest: User, listing: Listing) -> tuple[Slot, Booking, WaitlistEntry]:
    slot = SlotFactory.create(listing=listing, capacity=2)
    now = timezone.now()
    booked = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    services.confirm_booking(guest=guest, reference=booked.reference, now=now)
    entry = services.join_waitlist(guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=now)
    return slot, booked, entry


def offer_of(entry: WaitlistEntry) -> Booking | None:
    return Booking.objects.filter(waitlist_entry=entry).first()


def test_seats_freed_on_a_paused_listing_wait_for_it_to_be_resumed(
    guest: User, host: HostProfile, listing: Listing
) -> None:
    slot, booked, entry = full_with_a_waiter(guest, listing)
    catalog_services.pause_listing(host=host, listing_id=listing.pk, actor=host.user)

    services.cancel_booking(guest=guest, reference=booked.reference, now=timezone.now())

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING
    assert offer_of(entry) is None

    catalog_services.resume_listing(host=host, listing_id=listing.pk, actor=host.user)
    relay.drain(queue="default", budget=10)

    entry.refresh_from_db()
    offer = offer_of(entry)
    assert entry.status == WaitlistEntry.Status.OFFERED
    assert offer is not None
    assert offer.status == Booking.Status.HELD
    slot.refresh_from_db()
    assert slot.seats_taken == 2


def test_seats_freed_while_the_host_is_suspended_wait_for_the_reinstatement(
    guest: User, host: HostProfile, listing: Listing
) -> None:
    _slot, booked, entry = full_with_a_waiter(guest, listing)
    staff = UserFactory.create(is_staff=True, permissions=["hosting.change_hostmoderation"])
    account_services.suspend_host(
        staff=staff, host_id=host.pk, reason="checking", now=timezone.now()
    )

    services.cancel_booking(guest=guest, reference=booked.reference, now=timezone.now())
    relay.drain(queue="default", budget=10)

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING
    assert offer_of(entry) is None

    account_services.reinstate_host(staff=staff, host_id=host.pk)
    relay.drain(queue="default", budget=10)

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    assert offer_of(entry) is not None


def test_resuming_a_listing_with_nobody_waiting_changes_nothing(
    guest: User, host: HostProfile, listing: Listing
) -> None:
    slot = SlotFactory.create(listing=listing, capacity=4)
    catalog_services.pause_listing(host=host, listing_id=listing.pk, actor=host.user)
    catalog_services.resume_listing(host=host, listing_id=listing.pk, actor=host.user)

    relay.drain(queue="default", budget=10)

    slot.refresh_from_db()
    assert slot.seats_taken == 0
    assert not Booking.objects.exists()
