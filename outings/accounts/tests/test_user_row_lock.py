"""Creating an API token, becoming a host and editing one's profile lock the user's row, so that
two of them at once cannot both pass a check (the token cap, "already a host", the profile's
version). None changes the user's key: they lock it FOR NO KEY UPDATE. FOR UPDATE also held up,
until the lock's transaction ended, every insert of a row that refers to the user (a booking,
a notification, a message), whose foreign key takes a key-share lock on the user's row."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from outings.accounts import services
from outings.accounts.models import User
from outings.bookings import services as booking_services
from outings.bookings.models import Booking
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.tests.connections import in_thread

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("nudges")]


LOCKING: dict[str, Callable[[User], Any]] = {
    "create_api_token": lambda user: services.create_api_token(user=user, name="script"),
    "become_host": lambda user: services.become_host(
        user=user, data=services.HostProfileData(display_name="Ana")
    ),
    "update_profile": lambda user: services.update_profile(user_id=user.pk, first_name="Ana"),
}


@pytest.mark.parametrize("service", sorted(LOCKING))
def test_a_booking_by_the_user_is_not_held_up_by_their_locked_row(service: str) -> None:
    user = UserFactory.create()
    slot = SlotFactory.create(capacity=5)
    locked, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def hold_the_lock() -> None:
        with transaction.atomic():  # the service's transaction, kept open until released
            LOCKING[service](user)
            locked.set()
            release.wait(timeout=20)

    holder = in_thread(outcome, "service", hold_the_lock)
    assert locked.wait(timeout=10), outcome.get("service")
    booker = in_thread(
        outcome,
        "booking",
        lambda: booking_services.hold_seats(
            guest=user, slot_id=slot.pk, seats=1, now=timezone.now()
        ),
    )
    booker.join(timeout=3)
    held_up = booker.is_alive()
    release.set()
    booker.join(timeout=10)
    holder.join(timeout=10)

    assert not held_up, "the booking waited for the lock on the user's row"
    assert isinstance(outcome["booking"], Booking), outcome["booking"]
    assert not isinstance(outcome["service"], Exception), outcome["service"]
