# mypy: disallow-untyped-calls=False
"""Minimal factories for the API's tests (the catalogue's own live in outings/catalog/tests)."""

from datetime import timedelta

from django.utils import timezone
from factory.declarations import LazyAttribute, Sequence, SubFactory
from factory.django import DjangoModelFactory

from outings.accounts.models import HostProfile, User
from outings.catalog.models import Category, Listing
from outings.scheduling.models import Slot


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User

    username = Sequence(lambda n: f"user{n}")
    email = LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Ada"
    last_name = "Lovelace"


class HostProfileFactory(DjangoModelFactory[HostProfile]):
    class Meta:
        model = HostProfile

    user = SubFactory(UserFactory)
    display_name = Sequence(lambda n: f"Host {n}")


class CategoryFactory(DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = "tours"
    position = 1


class ListingFactory(DjangoModelFactory[Listing]):
    class Meta:
        model = Listing

    host = SubFactory(HostProfileFactory)
    category = SubFactory(CategoryFactory)
    status = Listing.Status.PUBLISHED
    title = Sequence(lambda n: f"Walk number {n}")
    summary = "A walk."
    city = "Berlin"
    country_code = "DE"
    price_amount = 1500
    currency = "EUR"
    time_zone = "Europe/Berlin"


class SlotFactory(DjangoModelFactory[Slot]):
    class Meta:
        model = Slot

    listing = SubFactory(ListingFactory)
    starts_at = Sequence(lambda n: timezone.now() + timedelta(days=1, hours=n))
    ends_at = LazyAttribute(lambda s: s.starts_at + timedelta(hours=2))
    capacity = 10
