"""Review (session 17): what staff's change form for a date lets through that a host is refused.
A cancelled or begun date's places, and places out of the listing's bounds, were still set in
the admin (a host gets 409 invalid_state, or 400 on capacity), and a date could be moved onto,
or added over, another date of the listing as long as the starts were not identical (a host's
rule, moved start or new duration that overlaps is 409 schedule_overlap): one listing runs one
group at a time."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.bookings import services as bookings
from outings.catalog.tests.factories import ListingFactory, SlotFactory
from outings.scheduling.models import Slot
from outings.scheduling.tests.test_review_session15_admin import change_url, open_form, staff_client

__all__ = ["staff_client"]  # a fixture

pytestmark = pytest.mark.django_db

OVERLAP = "the listing runs one group at a time."


def at(starts: datetime, ends: datetime) -> dict[str, str]:
    """The form's time fields for a date from `starts` to `ends` (shown in the admin's zone)."""
    starts, ends = timezone.localtime(starts), timezone.localtime(ends)
    return {
        "starts_at_0": f"{starts:%Y-%m-%d}",
        "starts_at_1": f"{starts:%H:%M:%S}",
        "ends_at_0": f"{ends:%Y-%m-%d}",
        "ends_at_1": f"{ends:%H:%M:%S}",
    }


def times_of(slot: Slot) -> tuple[datetime, datetime]:
    slot.refresh_from_db()
    return slot.starts_at, slot.ends_at


# --- A cancelled date's places -----------------------------------------------------------------


def test_staff_cannot_set_the_places_of_a_cancelled_date(staff_client: Client) -> None:
    """Its guests were told and refunded and its waiting list closed: its host's service, the
    API and the page refuse new places (invalid_state); the admin wrote them, moved the version
    and offered the "new" seats of a date nobody can book. Now a form error on the field."""
    slot = SlotFactory.create(capacity=10)
    bookings.cancel_slot(host=slot.listing.host, slot_id=slot.pk, reason="", now=timezone.now())
    slot.refresh_from_db()
    form = open_form(staff_client, slot)

    response = staff_client.post(change_url(slot), {**form, "capacity": 14})

    assert response.status_code == 200
    assert "This date is cancelled: its places cannot change." in response.content.decode()
    assert Slot.objects.values_list("capacity", "version", "status").get(pk=slot.pk) == (
        10,
        slot.version,
        Slot.Status.CANCELLED,
    )


def test_staff_may_still_save_a_cancelled_date_with_its_places_as_they_are(
    staff_client: Client,
) -> None:
    """Only new places are refused: the form posts every field, the places unchanged too."""
    slot = SlotFactory.create(capacity=10)
    bookings.cancel_slot(host=slot.listing.host, slot_id=slot.pk, reason="", now=timezone.now())
    slot.refresh_from_db()
    form = open_form(staff_client, slot)

    response = staff_client.post(change_url(slot), form)

    assert response.status_code == 302
    assert Slot.objects.values_list("capacity", "version").get(pk=slot.pk) == (10, slot.version)


# --- Overlapping another date ------------------------------------------------------------------


@pytest.fixture
def two_dates() -> tuple[Slot, Slot]:
    """Two dates of one listing a day apart, each 90 minutes."""
    listing = ListingFactory.create(duration_minutes=90)
    first = SlotFactory.create(listing=listing)
    second = SlotFactory.create(listing=listing, starts_at=first.starts_at + timedelta(days=1))
    return first, second


@pytest.mark.parametrize("minutes_later", [1, 60, 89])
def test_staff_cannot_move_a_date_onto_another_of_its_listing(
    staff_client: Client, two_dates: tuple[Slot, Slot], minutes_later: int
) -> None:
    first, second = two_dates
    before = times_of(second)
    starts = first.starts_at + timedelta(minutes=minutes_later)
    form = open_form(staff_client, second)

    response = staff_client.post(
        change_url(second), {**form, **at(starts, starts + timedelta(minutes=90))}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert OVERLAP in page
    local = timezone.localtime(first.starts_at)
    assert f"date from {local:%Y-%m-%d %H:%M}" in page
    assert times_of(second) == before


def test_staff_cannot_move_a_date_so_that_it_ends_inside_another(
    staff_client: Client, two_dates: tuple[Slot, Slot]
) -> None:
    """Starting before the other date and running into it."""
    first, second = two_dates
    before = times_of(second)
    starts = first.starts_at - timedelta(minutes=60)
    form = open_form(staff_client, second)

    response = staff_client.post(
        change_url(second), {**form, **at(starts, starts + timedelta(minutes=90))}
    )

    assert response.status_code == 200
    assert OVERLAP in response.content.decode()
    assert times_of(second) == before


def test_staff_may_move_a_date_right_after_another(
    staff_client: Client, two_dates: tuple[Slot, Slot]
) -> None:
    """The other date ends as this one starts: one group at a time."""
    first, second = two_dates
    form = open_form(staff_client, second)

    response = staff_client.post(
        change_url(second), {**form, **at(first.ends_at, first.ends_at + timedelta(minutes=90))}
    )

    assert response.status_code == 302
    assert times_of(second) == (first.ends_at, first.ends_at + timedelta(minutes=90))


def test_a_cancelled_date_leaves_its_time_free(
    staff_client: Client, two_dates: tuple[Slot, Slot]
) -> None:
    """No group goes out on a cancelled date (a host's rule may make a date there again)."""
    first, second = two_dates
    Slot.objects.filter(pk=first.pk).update(status=Slot.Status.CANCELLED)
    starts = first.starts_at + timedelta(minutes=30)
    form = open_form(staff_client, second)

    response = staff_client.post(
        change_url(second), {**form, **at(starts, starts + timedelta(minutes=90))}
    )

    assert response.status_code == 302
    assert times_of(second)[0] == starts


def test_staff_cannot_add_a_date_over_another_of_its_listing(
    staff_client: Client, two_dates: tuple[Slot, Slot]
) -> None:
    first, _second = two_dates
    starts = first.starts_at + timedelta(minutes=45)

    response = staff_client.post(
        reverse("admin:scheduling_slot_add"),
        {
            "listing": first.listing_id,
            "schedule": "",
            **at(starts, starts + timedelta(minutes=90)),
            "capacity": 8,
        },
    )

    assert response.status_code == 200
    assert OVERLAP in response.content.decode()
    assert Slot.objects.filter(listing_id=first.listing_id).count() == 2


def test_an_identical_start_is_still_named_by_the_unique_start(
    staff_client: Client, two_dates: tuple[Slot, Slot]
) -> None:
    """One error for it, as before: the start another date already has."""
    first, second = two_dates
    form = open_form(staff_client, second)

    response = staff_client.post(change_url(second), {**form, **at(first.starts_at, first.ends_at)})

    assert response.status_code == 200
    page = response.content.decode()
    assert OVERLAP not in page
    assert "already exists" in page


# --- Places a host would be refused ------------------------------------------------------------


def test_staff_cannot_set_the_places_of_a_date_that_has_begun(staff_client: Client) -> None:
    """As for its host (409 invalid_state): nobody can book it any more."""
    slot = SlotFactory.create(capacity=10)
    Slot.objects.filter(pk=slot.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(minutes=85),
    )
    slot.refresh_from_db()
    form = open_form(staff_client, slot)

    response = staff_client.post(change_url(slot), {**form, "capacity": 14})

    assert response.status_code == 200
    assert "This date has started: its places cannot change." in response.content.decode()
    assert Slot.objects.values_list("capacity", "version").get(pk=slot.pk) == (10, slot.version)


@pytest.mark.parametrize(
    ("capacity", "message"),
    [
        (3, "At least the smallest group size (4)."),
        (5, "At least the minimum of guests per date (6)."),
        (1001, "A whole number from 1 to 1000."),
    ],
)
def test_staff_cannot_set_places_a_host_would_be_refused(
    staff_client: Client, capacity: int, message: str
) -> None:
    """Fewer places than the listing's smallest group (nobody could book the date) or than its
    minimum of guests (it would always be cancelled at its cut-off), or more than any date may
    have: the host's form, the API and a rule's places are refused them (400 on capacity)."""
    slot = SlotFactory.create(capacity=10, listing__min_group_size=4, listing__min_guests=6)
    form = open_form(staff_client, slot)

    changed = staff_client.post(change_url(slot), {**form, "capacity": capacity})
    added = staff_client.post(
        reverse("admin:scheduling_slot_add"),
        {
            "listing": slot.listing_id,
            "schedule": "",
            **at(slot.starts_at + timedelta(days=7), slot.ends_at + timedelta(days=7)),
            "capacity": capacity,
        },
    )

    for response in (changed, added):
        assert response.status_code == 200
        assert message in response.content.decode()
    assert Slot.objects.values_list("capacity", "version").get(pk=slot.pk) == (10, slot.version)
    assert Slot.objects.filter(listing_id=slot.listing_id).count() == 1
