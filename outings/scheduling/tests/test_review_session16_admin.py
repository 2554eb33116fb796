"""Review (session 16): what staff's change form for a date writes. Its version covered the
places only: times another staff member (or a host's new duration) had set since the form was
opened were written back with the times it was opened at (DESIGN.md, invariant 5). Its status,
the minimum's bookkeeping, its listing and its rule were written as posted, past the services
that keep bookings, guests and dates in step (the booked date's side is
bookings/tests/test_review_session16_slot_admin.py)."""

import re
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, SlotFactory
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import ScheduleData
from outings.scheduling.services import (
    add_schedule_exception,
    create_schedule,
    follow_listing_change,
    materialize_schedules,
)
from outings.scheduling.tests.test_review_session15_admin import change_url, open_form, staff_client

__all__ = ["staff_client"]  # a fixture

pytestmark = pytest.mark.django_db


def hidden_of(page: str) -> dict[str, str]:
    """The hidden fields of a change form the admin answered with."""
    return dict(re.findall(r'<input type="hidden" name="(expected_\w+)" value="([^"]*)"', page))


def times(slot: Slot, *, hours: int = 0, minutes: int = 0) -> dict[str, str]:
    """The form's time fields with the date moved by `hours` and made `minutes` longer."""
    starts = timezone.localtime(slot.starts_at + timedelta(hours=hours))
    ends = timezone.localtime(slot.ends_at + timedelta(hours=hours, minutes=minutes))
    return {
        "starts_at_0": f"{starts:%Y-%m-%d}",
        "starts_at_1": f"{starts:%H:%M:%S}",
        "ends_at_0": f"{ends:%Y-%m-%d}",
        "ends_at_1": f"{ends:%H:%M:%S}",
    }


def test_staff_correcting_a_date_another_staff_member_moved_meanwhile_are_refused(
    staff_client: Client,
) -> None:
    """Bug: two staff members open the date at 10:00. One moves it two hours later; the other,
    lengthening it by half an hour, saved 10:00 back over the move, silently. Now refused with
    a form error naming the times set meanwhile, nothing written, the second member's times in
    the fields on the date as it is: saving again replaces the move on purpose."""
    slot = SlotFactory.create()
    first, second = open_form(staff_client, slot), open_form(staff_client, slot)

    assert staff_client.post(change_url(slot), {**first, **times(slot, hours=2)}).status_code == 302
    moved = Slot.objects.get(pk=slot.pk)
    assert moved.starts_at == slot.starts_at + timedelta(hours=2)

    response = staff_client.post(change_url(slot), {**second, **times(slot, minutes=30)})

    assert response.status_code == 200
    page = response.content.decode()
    assert "This date&#x27;s times were changed since you opened it" in page
    assert f"{timezone.localtime(moved.starts_at):%Y-%m-%d %H:%M}" in page
    now = Slot.objects.get(pk=slot.pk)
    assert (now.starts_at, now.ends_at) == (moved.starts_at, moved.ends_at)

    again = hidden_of(page)
    saved = staff_client.post(change_url(slot), {**second, **again, **times(slot, minutes=30)})

    assert saved.status_code == 302
    now.refresh_from_db()
    assert (now.starts_at, now.ends_at) == (slot.starts_at, slot.ends_at + timedelta(minutes=30))


def test_staff_setting_places_do_not_put_back_the_times_of_a_move_made_meanwhile(
    staff_client: Client,
) -> None:
    """The form posts every field: the times shown when it was opened went back over the move
    another staff member saved, with the new places (the version moves with places only)."""
    slot = SlotFactory.create(capacity=10)
    first, second = open_form(staff_client, slot), open_form(staff_client, slot)
    staff_client.post(change_url(slot), {**first, **times(slot, hours=2)})

    response = staff_client.post(change_url(slot), {**second, "capacity": 12})

    assert response.status_code == 200
    assert "times were changed since you opened it" in response.content.decode()
    now = Slot.objects.get(pk=slot.pk)
    assert (now.starts_at, now.capacity) == (slot.starts_at + timedelta(hours=2), 10)


def a_rules_date() -> Slot:
    """A listing of 90 minutes with a one-off date 30 days ahead at 10:00 (UTC), made by its
    host's rule."""
    listing = ListingFactory.create(duration_minutes=90, time_zone="UTC")
    day = (timezone.now() + timedelta(days=30)).date()
    create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            kind=Schedule.Kind.ONCE,
            weekdays=[day.weekday()],
            start_times=[time(10, 0)],
            valid_from=day,
            valid_until=day,
            capacity=10,
        ),
        now=timezone.now(),
    )
    return Slot.objects.get(listing=listing)


def test_staff_saving_a_date_do_not_put_back_the_end_a_new_duration_moved_meanwhile(
    staff_client: Client,
) -> None:
    """The host makes the listing two hours long while staff have its date open: the date's end
    follows (scheduling.services.follow_listing_change, as update_listing calls it). Staff's
    save of new places wrote the 90-minute end back."""
    slot = a_rules_date()
    form = open_form(staff_client, slot)
    with transaction.atomic():
        listing = Listing.objects.select_for_update().get(pk=slot.listing_id)
        listing.duration_minutes = 120
        listing.save(update_fields=["duration_minutes"])
        follow_listing_change(listing=listing, previous_time_zone="UTC", now=timezone.now())

    response = staff_client.post(change_url(slot), {**form, "capacity": 12})

    assert response.status_code == 200
    now = Slot.objects.get(pk=slot.pk)
    assert (now.ends_at, now.capacity) == (slot.starts_at + timedelta(hours=2), 10)


def test_a_form_that_does_not_change_the_times_saves_over_a_move_made_meanwhile(
    staff_client: Client,
) -> None:
    """Staff who saw the date moved (their form shows the new times) save their places: no
    conflict, the move stays."""
    slot = SlotFactory.create(capacity=10)
    first = open_form(staff_client, slot)
    staff_client.post(change_url(slot), {**first, **times(slot, hours=2)})
    moved = Slot.objects.get(pk=slot.pk)

    response = staff_client.post(
        change_url(slot), {**open_form(staff_client, moved), "capacity": 12}
    )

    assert response.status_code == 302
    now = Slot.objects.get(pk=slot.pk)
    assert (now.starts_at, now.capacity) == (moved.starts_at, 12)


def test_a_post_without_the_times_it_was_opened_at_moves_nothing(staff_client: Client) -> None:
    slot = SlotFactory.create()
    form = {**open_form(staff_client, slot), "expected_times": ""}

    response = staff_client.post(change_url(slot), {**form, **times(slot, hours=1)})

    assert response.status_code == 200
    assert Slot.objects.get(pk=slot.pk).starts_at == slot.starts_at


@pytest.mark.parametrize(
    "posted",
    [
        {"status": Slot.Status.CANCELLED},
        {"minimum_checked_at_0": "2030-01-01", "minimum_checked_at_1": "10:00:00"},
        {"minimum_met_at_0": "2030-01-01", "minimum_met_at_1": "10:00:00"},
    ],
    ids=["status", "minimum_checked_at", "minimum_met_at"],
)
def test_the_form_writes_no_status_nor_the_minimums_bookkeeping(
    staff_client: Client, posted: dict[str, str]
) -> None:
    """Bug: each was written as posted. A date cancelled here kept its bookings and told nobody
    (the admin's "Cancel dates" action cancels through the service); the minimum's dates are the
    bookings services' record of what guests were told: one set by hand kept a date below its
    minimum from ever being decided (cancelled, its guests told)."""
    slot = SlotFactory.create()

    response = staff_client.post(change_url(slot), {**open_form(staff_client, slot), **posted})

    assert response.status_code == 302
    now = Slot.objects.get(pk=slot.pk)
    assert (now.status, now.minimum_checked_at, now.minimum_met_at) == ("open", None, None)


def test_a_dates_listing_and_rule_are_not_changed_in_its_form(staff_client: Client) -> None:
    """Bug: a date moved to another listing kept its bookings, which name their listing: the
    host of one listing had a roster of guests booked on another's."""
    slot = SlotFactory.create()
    other = ListingFactory.create()

    response = staff_client.post(
        change_url(slot), {**open_form(staff_client, slot), "listing": other.pk}
    )

    assert response.status_code == 302
    assert Slot.objects.get(pk=slot.pk).listing_id == slot.listing_id


def test_staff_add_a_date_to_a_listing(staff_client: Client) -> None:
    """A new date: its listing is chosen, it is open, its minimum undecided."""
    listing = ListingFactory.create()
    start = timezone.localtime(timezone.now() + timedelta(days=20)).replace(microsecond=0)

    response = staff_client.post(
        reverse("admin:scheduling_slot_add"),
        {
            "listing": listing.pk,
            "schedule": "",
            "starts_at_0": f"{start:%Y-%m-%d}",
            "starts_at_1": f"{start:%H:%M:%S}",
            "ends_at_0": f"{start + timedelta(hours=1):%Y-%m-%d}",
            "ends_at_1": f"{start + timedelta(hours=1):%H:%M:%S}",
            "capacity": 8,
            "status": Slot.Status.CANCELLED,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    made = Slot.objects.get(listing=listing)
    assert (made.starts_at, made.capacity, made.status) == (start, 8, Slot.Status.OPEN)


def test_a_date_moved_onto_another_start_of_its_listing_is_a_form_error(
    staff_client: Client,
) -> None:
    """With its listing read-only, the form no longer checked slot_unique_start (Django skips a
    constraint naming a field the form lacks): the save broke it and answered 500."""
    slot = SlotFactory.create()
    other = SlotFactory.create(listing=slot.listing)
    hours = int((other.starts_at - slot.starts_at) / timedelta(hours=1))

    response = staff_client.post(
        change_url(slot), {**open_form(staff_client, slot), **times(slot, hours=hours)}
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Slot.objects.get(pk=slot.pk).starts_at == slot.starts_at


def the_hourly_run() -> None:
    materialize_schedules(now=timezone.now(), horizon_days=settings.SCHEDULE_HORIZON_DAYS)


def dates_of(listing_id: int) -> list[tuple[str, str]]:
    """The listing's open dates, as (start, end) in UTC, hours and minutes."""
    return [
        (f"{start:%H:%M}", f"{end:%H:%M}")
        for start, end in Slot.objects.filter(listing_id=listing_id, status=Slot.Status.OPEN)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    ]


@pytest.mark.parametrize("booked", [False, True], ids=["unbooked", "booked"])
def test_a_rules_date_staff_move_stays_where_they_put_it(
    staff_client: Client, booked: bool
) -> None:
    """Bug: the date stayed its rule's, and the hourly run brought the rule back to what it
    says: staff's move from 10:00 to noon was taken away (the date retired, 10:00 made again)
    or, booked, kept beside a new 10:00 date. Now the date leaves its rule, a date made by hand,
    and the rule no longer makes 10:00 that day (a cancel exception)."""
    slot = a_rules_date()
    if booked:
        Slot.objects.filter(pk=slot.pk).update(seats_taken=2)

    response = staff_client.post(
        change_url(slot), {**open_form(staff_client, slot), **times(slot, hours=2)}
    )
    the_hourly_run()

    assert response.status_code == 302
    assert dates_of(slot.listing_id) == [("12:00", "13:30")]
    moved = Slot.objects.get(pk=slot.pk)
    assert moved.schedule_id is None
    assert list(
        ScheduleException.objects.filter(schedule=slot.schedule_id).values_list(
            "day", "start_time", "action"
        )
    ) == [(slot.starts_at.date(), time(10, 0), "cancel")]


def test_a_rules_date_whose_end_staff_correct_keeps_it(staff_client: Client) -> None:
    """The hourly run put a rule's date's end back to the listing's duration."""
    slot = a_rules_date()

    staff_client.post(
        change_url(slot), {**open_form(staff_client, slot), **times(slot, minutes=30)}
    )
    the_hourly_run()

    assert dates_of(slot.listing_id) == [("10:00", "12:00")]


def test_a_date_the_host_moved_that_staff_move_again_stays_where_they_put_it(
    staff_client: Client,
) -> None:
    """The host had moved the rule's 10:00 to 11:00 that day (a move exception); staff move the
    date on to noon: the exception becomes the day's 10:00 cancelled, and noon stays."""
    slot = a_rules_date()
    day = slot.starts_at.date()
    assert slot.schedule_id is not None
    add_schedule_exception(
        host=slot.listing.host,
        schedule_id=slot.schedule_id,
        day=day,
        start_time=time(10, 0),
        action=ScheduleException.Action.MOVE,
        new_time=time(11, 0),
        now=timezone.now(),
    )
    slot = Slot.objects.get(listing_id=slot.listing_id, status=Slot.Status.OPEN)

    staff_client.post(change_url(slot), {**open_form(staff_client, slot), **times(slot, hours=1)})
    the_hourly_run()

    assert dates_of(slot.listing_id) == [("12:00", "13:30")]
    assert list(
        ScheduleException.objects.filter(schedule=slot.schedule_id).values_list(
            "day", "start_time", "action", "new_time"
        )
    ) == [(day, time(10, 0), "cancel", None)]
