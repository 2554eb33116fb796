# mypy: disallow-untyped-calls=False
"""Minimal factories for the page tests (the catalogue's own factories may grow elsewhere)."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.declarations import LazyAttribute, LazyFunction, Sequence, SubFactory

from outings.accounts.models import HostProfile, User
from outings.catalog.models import Category, Listing
from outings.scheduling.models import Slot


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    username = Sequence(lambda n: f"user{n}")
    email = LazyAttribute(lambda u: f"{u.username}@example.com")
    password = "!"  # unusable, and no slow hashing; tests log in with force_login


class HostFactory(factory.django.DjangoModelFactory[HostProfile]):
    class Meta:
        model = HostProfile

    user = SubFactory(UserFactory)
    display_name = Sequence(lambda n: f"Host {n}")
    city = "Toronto"


def category(slug: str = "tours") -> Category:
    """Categories come from a data migration; tests use the real rows."""
    return Category.objects.get(slug=slug)


class ListingFactory(factory.django.DjangoModelFactory[Listing]):
    class Meta:
        model = Listing

    host = SubFactory(HostFactory)
    category = LazyFunction(category)
    kind = Listing.Kind.EXPERIENCE
    status = Listing.Status.PUBLISHED
    title = Sequence(lambda n: f"Harbour walk {n}")
    description = "A walk along the water."
    duration_minutes = 90
    price_amount = 1500
    currency = "CAD"
    address = "1 Front St W"
    city = "Toronto"
    country_code = "CA"
    latitude = 43.6453
    longitude = -79.3806
    time_zone = "America/Toronto"


class SlotFactory(factory.django.DjangoModelFactory[Slot]):
    class Meta:
        model = Slot

    listing = SubFactory(ListingFactory)
    starts_at = LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = LazyAttribute(lambda s: s.starts_at + timedelta(hours=2))
    capacity = 10
    seats_taken = 0
