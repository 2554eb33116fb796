"""Personas and a bookable date for the bookings tests: guest A and B, the listing's host X and
another host Y. NOW is a fixed instant before every factory slot. `clock` moves the time on for a
test that would otherwise wait for a deadline on the real one."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from outings.accounts.models import HostProfile, User
from outings.catalog.models import Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.scheduling.models import Slot

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[Callable[[datetime], None]]:
    """Moves this process's clock (time.time, datetime.now: what timezone.now() reads) on to a
    moment just past the one given, from where it goes on ticking; the database's clock and
    time.monotonic stay real. The code under test reads the time as it would a day later, and
    the test does not wait for it."""
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:

        def move_past(moment: datetime) -> None:
            traveller.move_to(moment + timedelta(milliseconds=200))

        yield move_past


@pytest.fixture
def guest(db: None) -> User:
    return UserFactory.create(email="guest.a@example.org")


@pytest.fixture
def other_guest(db: None) -> User:
    return UserFactory.create(email="guest.b@example.org")


@pytest.fixture
def host(db: None) -> HostProfile:
    return HostProfileFactory.create()


@pytest.fixture
def other_host(db: None) -> HostProfile:
    return HostProfileFactory.create()


@pytest.fixture
def listing(host: HostProfile) -> Listing:
    return ListingFactory.create(host=host, price_amount=2500, currency="CAD", max_group_size=6)


@pytest.fixture
def slot(listing: Listing) -> Slot:
    return SlotFactory.create(listing=listing, capacity=10)


@pytest.fixture
def guest_client(client: Client, guest: User) -> Client:
    """A browser signed in as guest A."""
    client.force_login(guest)
    return client
