"""A guest's "my bookings", upcoming and past, costs the same queries with three times the rows
(DESIGN.md, section 6): bookings on other hosts' listings in other categories, some handed on,
and waiting lists, some with an open offer."""

from datetime import timedelta
from itertools import count

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.models import CATEGORY_NAMES
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory, category
from outings.common.tests.queries import assert_same_queries
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

SLUGS = sorted(CATEGORY_NAMES)
_serial = count()


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def a_date() -> Slot:
    """A date of a new host's listing, in the next category round the list."""
    i = next(_serial)
    listing = ListingFactory.create(category=category(SLUGS[i % len(SLUGS)]), title=f"Walk {i}")
    return SlotFactory.create(listing=listing, capacity=2)


def booked(guest: User, slot: Slot, seats: int = 1) -> Booking:
    now = timezone.now()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=now)
    return services.confirm_booking(guest=guest, reference=held.reference, now=now)


def rows_of(guest: User, n: int) -> None:
    """For each of `n`: a booking, one handed on, one cancelled, one whose date is over, a
    waiting list and a waiting list with an open offer."""
    now = timezone.now()
    for _ in range(n):
        booked(guest, a_date())
        handed = booked(guest, a_date())
        services.offer_transfer(
            guest=guest, reference=handed.reference, to_email="friend@example.org", now=now
        )
        cancelled = booked(guest, a_date())
        services.cancel_booking(guest=guest, reference=cancelled.reference, now=now)
        over = booked(guest, a_date())
        Slot.objects.filter(pk=over.slot_id).update(
            starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2, hours=-1)
        )
        for offered in (False, True):
            full = a_date()
            someone = UserFactory.create()
            theirs = booked(someone, full, seats=2)
            services.join_waitlist(guest=guest, slot_id=full.pk, seats=1, now=now)
            if offered:
                services.cancel_booking(guest=someone, reference=theirs.reference, now=now)


@pytest.mark.parametrize("query", ["", "?show=past"])
def test_my_bookings_cost_the_same_with_three_times_the_bookings_and_waiting_lists(
    client: Client, guest: User, query: str
) -> None:
    client.force_login(guest)
    rows_of(guest, 2)

    few, many = assert_same_queries(
        lambda: client.get(f"/bookings/{query}"), lambda: rows_of(guest, 4)
    )

    page = many.content.decode()
    assert page.count('href="/bookings/') > few.content.decode().count('href="/bookings/')
    if not query:
        statuses = WaitlistEntry.objects.filter(guest=guest).values_list("status", flat=True)
        assert set(statuses) == {WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED}
        assert page.count("Confirm the seats held for you") == 6
