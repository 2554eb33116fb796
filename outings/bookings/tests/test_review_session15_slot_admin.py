"""Review (session 15): places staff add to a date in the admin go to its waiting list first, as
the places a host adds do (bookings.services.change_slot_capacity); the admin wrote the new
capacity and offered nothing, so a guest waiting for two seats kept waiting beside two free
ones, which the next visitor could take."""

import pytest
from django.test import Client

from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_waitlist_and_transfer import book, consistent
from outings.catalog.tests.factories import UserFactory
from outings.notifications.models import Notification
from outings.scheduling.models import Slot
from outings.scheduling.tests.test_review_session13_admin import save_in_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client) -> Client:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_places_staff_add_go_to_the_waiting_list_first(staff_client: Client, slot: Slot) -> None:
    book(UserFactory.create(), slot, 5)
    book(UserFactory.create(), slot, 5)
    three, two = UserFactory.create(), UserFactory.create()
    e3 = services.join_waitlist(guest=three, slot_id=slot.pk, seats=3, now=NOW)
    e2 = services.join_waitlist(guest=two, slot_id=slot.pk, seats=2, now=NOW)
    slot.refresh_from_db()

    save_in_admin(staff_client, slot, capacity=12)

    # Two places more: the party of three does not fit and is offered no part; the party of
    # two gets both, as a hold, and is told.
    e3.refresh_from_db()
    e2.refresh_from_db()
    assert (e3.status, e2.status) == (WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED)
    offer = Booking.objects.get(waitlist_entry=e2)
    assert (offer.status, offer.seats, offer.guest) == ("held", 2, two)
    assert Notification.objects.filter(user=two, kind="waitlist.offer").exists()
    assert consistent(slot) == 12


def test_places_staff_take_away_offer_nothing(staff_client: Client, slot: Slot) -> None:
    book(UserFactory.create(), slot, 4)
    book(UserFactory.create(), slot, 4)
    slot.refresh_from_db()

    save_in_admin(staff_client, slot, capacity=9)

    assert not Booking.objects.filter(waitlist_entry__isnull=False).exists()
    assert consistent(slot) == 8
