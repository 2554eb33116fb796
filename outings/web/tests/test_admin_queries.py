"""Every admin changelist and the change forms staff open cost the same queries with three times
the rows (DESIGN.md, section 6; docs/pages.md): rows differing in every relation a column, a
filter or an inline shows (other hosts, categories, guests, listings, actors)."""

from itertools import count

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.sites import site
from django.contrib.auth.models import Group
from django.db.models import Model
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from outings.bookings import services as bookings
from outings.bookings.models import Booking, BookingEvent
from outings.catalog import services as catalog_services
from outings.catalog.models import CATEGORY_NAMES, Category, Listing
from outings.catalog.tests.factories import (
    ListingFactory,
    ScheduleFactory,
    SlotFactory,
    UserFactory,
    category,
)
from outings.common.tests.queries import assert_same_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

SLUGS = sorted(CATEGORY_NAMES)
_serial = count()


def changelist(model: type[Model]) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def rows(n: int) -> None:
    """Of everything the admin lists: listings of other hosts in other categories (one
    submitted, one sent back by staff), a rule and a date each, bookings by other guests (one
    cancelled by staff, one handed on), a waiting list, and the outbox's mail about them."""
    staff = UserFactory.create(
        is_staff=True,
        username=f"staff{next(_serial)}",
        permissions=["bookings.change_booking", "hosting.change_listingreview"],
    )
    Group.objects.get_or_create(name="Moderators")
    now = timezone.now()
    for _ in range(n):
        i = next(_serial)
        listing = ListingFactory.create(category=category(SLUGS[i % len(SLUGS)]))
        ScheduleFactory.create(listing=listing)
        slot = SlotFactory.create(listing=listing, capacity=2)
        guest = UserFactory.create()
        EmailAddress.objects.create(user=guest, email=guest.email, verified=True, primary=True)
        held = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=now)
        kept = bookings.confirm_booking(guest=guest, reference=held.reference, now=now)
        bookings.offer_transfer(
            guest=guest, reference=kept.reference, to_email=f"f{i}@example.org", now=now
        )
        other = UserFactory.create()
        theirs = bookings.hold_seats(guest=other, slot_id=slot.pk, seats=1, now=now)
        bookings.confirm_booking(guest=other, reference=theirs.reference, now=now)
        bookings.join_waitlist(guest=UserFactory.create(), slot_id=slot.pk, seats=1, now=now)
        bookings.cancel_booking_as_staff(
            staff=staff, reference=theirs.reference, reason="Staff.", now=now
        )
        submitted = ListingFactory.create(status=Listing.Status.SUBMITTED)
        catalog_services.reject_listing(staff=staff, listing_id=submitted.pk, reason=f"R{i}")
        ListingFactory.create(status=Listing.Status.SUBMITTED)


@pytest.fixture
def staff_client(client: Client) -> Client:
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.session_user = staff  # type: ignore[attr-defined]
    return client


MODELS = sorted(site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_every_changelist_costs_the_same_with_three_times_the_rows(
    staff_client: Client, model: type[Model]
) -> None:
    rows(2)

    few, many = assert_same_queries(lambda: staff_client.get(changelist(model)), lambda: rows(4))

    shown = many.context["cl"].result_count
    assert shown > few.context["cl"].result_count or model in (Category, Group)  # a fixed few


def change_url(obj: Model) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_every_change_form_costs_the_same_and_offers_the_same_choices_with_more_rows(
    staff_client: Client, model: type[Model]
) -> None:
    """No form loads every listing, user or date into a menu: those are raw ids or looked up."""
    rows(1)
    request = RequestFactory().get("/admin/")
    request.user = staff_client.session_user  # type: ignore[attr-defined]
    obj = site._registry[model].get_queryset(request).order_by("pk").first()
    assert obj is not None

    few, many = assert_same_queries(lambda: staff_client.get(change_url(obj)), lambda: rows(2))

    assert many.content.count(b"<option") == few.content.count(b"<option")


def test_a_bookings_history_costs_the_same_with_three_times_the_events(
    staff_client: Client,
) -> None:
    rows(1)
    booking = Booking.objects.filter(status=Booking.Status.CANCELLED).get()

    def grow(n: int) -> None:
        for _ in range(n):
            actor = UserFactory.create(is_staff=True, first_name=f"Staff{next(_serial)}")
            BookingEvent.objects.create(
                booking=booking, actor=actor, action="noted", created_at=timezone.now()
            )

    grow(1)

    few, many = assert_same_queries(lambda: staff_client.get(change_url(booking)), lambda: grow(4))

    assert many.content.count(b"Staff") > few.content.count(b"Staff")
