# mypy: disallow-untyped-calls=False
"""factory_boy factories for the catalogue and what it hangs on: users, hosts, listings,
schedules and slots. Small and general on purpose: every app's tests may use them.

    listing = ListingFactory(category=category("food"), price_amount=2500)
    slot = SlotFactory(listing=listing, capacity=10, seats_taken=9)
"""

from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.models import Permission
from factory.declarations import LazyAttribute, LazyFunction, Sequence, SubFactory
from factory.django import DjangoModelFactory
from factory.helpers import post_generation

from outings.accounts.models import HostProfile, User
from outings.catalog.models import Category, Listing
from outings.scheduling.models import Schedule, Slot

# A fixed instant, far enough ahead that slots made from it are in the future for years.
SLOT_BASE = datetime(2030, 6, 3, 9, 0, tzinfo=UTC)  # a Monday


def category(slug: str = "tours") -> Category:
    """One of our categories (the data migration creates them all), by slug."""
    return Category.objects.get_or_create(slug=slug)[0]


def _set_password(user: User, create: bool, extracted: str | None, **kwargs: object) -> None:
    """UserFactory(password="secret") sets a usable password; without one the password is
    unusable (log in with client.force_login)."""
    if extracted:
        user.set_password(extracted)
    else:
        user.set_unusable_password()
    if create:
        user.save(update_fields=["password"])


def _grant(user: User, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
    """UserFactory(permissions=["bookings.change_booking"]): the user holds those permissions
    ("app_label.codename"), as staff given them in the admin do."""
    for name in extracted or []:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = Sequence(lambda n: f"user{n}")
    email = LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Ada"
    last_name = "Lovelace"
    password = post_generation(_set_password)
    permissions = post_generation(_grant)


class HostProfileFactory(DjangoModelFactory[HostProfile]):
    class Meta:
        model = HostProfile

    user = SubFactory(UserFactory)
    display_name = Sequence(lambda n: f"Host {n}")
    city = "Toronto"
    languages = LazyFunction(lambda: ["en"])


class ListingFactory(DjangoModelFactory[Listing]):
    class Meta:
        model = Listing

    host = SubFactory(HostProfileFactory)
    category = LazyFunction(category)
    status = Listing.Status.PUBLISHED
    title = Sequence(lambda n: f"Harbour walk {n}")
    summary = "A walk along the harbour."
    description = "A walk along the harbour, with stops at the old piers."
    content_language = "en"
    languages = LazyFunction(lambda: ["en"])
    duration_minutes = 90
    price_amount = 2500
    currency = "CAD"
    city = "Toronto"
    country_code = "CA"
    latitude = 43.6426
    longitude = -79.3871
    time_zone = "America/Toronto"


class ScheduleFactory(DjangoModelFactory[Schedule]):
    class Meta:
        model = Schedule

    listing = SubFactory(ListingFactory)
    weekdays = LazyFunction(lambda: [0, 2, 4])
    start_times = LazyFunction(lambda: [time(10)])
    valid_from = date(2026, 1, 1)
    valid_until = None
    capacity = 12


class SlotFactory(DjangoModelFactory[Slot]):
    class Meta:
        model = Slot

    listing = SubFactory(ListingFactory)
    schedule = None
    # One day apart, so that slots of one listing never collide on (listing, starts_at).
    starts_at = Sequence(lambda n: SLOT_BASE + timedelta(days=n))
    ends_at = LazyAttribute(lambda s: s.starts_at + timedelta(minutes=90))
    capacity = 10
    seats_taken = 0
