"""The inbox, its live feed and the API's list cost the same queries with three times the
notifications (DESIGN.md, section 6), of every kind the booking flows write: a host's new
bookings and requests from other guests on other listings, a guest's own."""

from itertools import count

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import HostProfile
from outings.bookings import services as bookings
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.common.tests.queries import assert_same_queries
from outings.notifications import services

pytestmark = pytest.mark.django_db
_serial = count()


def news_for(host: HostProfile, n: int) -> None:
    """`n` rounds of what a host hears: a booking, a request, a cancellation, an approval."""
    now = timezone.now()
    for _ in range(n):
        i = next(_serial)
        for instant in (True, False):
            listing = ListingFactory.create(host=host, instant_booking=instant, title=f"Walk {i}")
            slot = SlotFactory.create(listing=listing)
            guest = UserFactory.create(first_name=f"Guest{i}")
            booking = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
            if instant:
                bookings.confirm_booking(guest=guest, reference=booking.reference, now=now)
                bookings.cancel_booking(guest=guest, reference=booking.reference, now=now)
        services.notify(user=host.user, kind="listing.approved", data={"listing": f"Walk {i}"})


@pytest.fixture
def host() -> HostProfile:
    return HostProfileFactory.create()


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/feed/?after=0"])
def test_the_inbox_and_its_feed_cost_the_same_with_three_times_the_notifications(
    client: Client, host: HostProfile, path: str
) -> None:
    client.force_login(host.user)
    news_for(host, 2)

    few, many = assert_same_queries(lambda: client.get(path), lambda: news_for(host, 4))

    assert len(many.content) > len(few.content)


def test_the_apis_notifications_cost_the_same_with_three_times_the_notifications(
    host: HostProfile,
) -> None:
    secret = account_services.create_api_token(user=host.user, name="tests").secret
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    news_for(host, 2)

    few, many = assert_same_queries(
        lambda: api.get("/api/v1/notifications?limit=100"), lambda: news_for(host, 4)
    )

    assert len(few.json()["items"]) >= 6
    assert len(many.json()["items"]) == 3 * len(few.json()["items"])
