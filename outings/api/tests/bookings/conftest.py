"""Personas of the bookings API tests: guests A and B, host X (who owns the listing) and host Y,
each with a client that sends their token; a bookable date of X's listing."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from outings.accounts.models import HostProfile, User
from outings.api.tests.bookings.support import client_of
from outings.catalog.models import Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.scheduling.models import Slot


@pytest.fixture
def guest_a(db: Any) -> User:
    return UserFactory.create(username="guest_a", first_name="Ada", last_name="Guest")


@pytest.fixture
def guest_b(db: Any) -> User:
    return UserFactory.create(username="guest_b", first_name="Bea", last_name="Guest")


@pytest.fixture
def host_x(db: Any) -> HostProfile:
    return HostProfileFactory.create(user__username="host_x")


@pytest.fixture
def host_y(db: Any) -> HostProfile:
    return HostProfileFactory.create(user__username="host_y")


@pytest.fixture
def listing(host_x: HostProfile) -> Listing:
    return ListingFactory.create(host=host_x, price_amount=2500, currency="CAD", max_group_size=6)


@pytest.fixture
def slot(listing: Listing) -> Slot:
    return SlotFactory.create(listing=listing, capacity=10)


@pytest.fixture
def a(guest_a: User, token_for: Callable[[User], str]) -> Client:
    return client_of(guest_a, token_for)


@pytest.fixture
def b(guest_b: User, token_for: Callable[[User], str]) -> Client:
    return client_of(guest_b, token_for)


@pytest.fixture
def x(host_x: HostProfile, token_for: Callable[[User], str]) -> Client:
    return client_of(host_x.user, token_for)


@pytest.fixture
def y(host_y: HostProfile, token_for: Callable[[User], str]) -> Client:
    return client_of(host_y.user, token_for)
