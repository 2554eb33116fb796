"""Personas and a bookable date for the bookings tests: guest A and B, the listing's host X and
another host Y. NOW is a fixed instant before every factory slot."""

from datetime import UTC, datetime

import pytest
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
