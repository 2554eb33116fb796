"""Review of the offering area (session 10): schedules, slots, photos and the host API. Each test
proves one defect; its docstring says what a host or guest sees and which rule it breaks."""

import io
import threading
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from PIL import Image

from outings.accounts import services as account_services
from outings.accounts.models import User
from outings.bookings import services as bookings
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, UserFactory
from outings.common.tests.connections import lock_waiters
from outings.scheduling import services
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import CapacityBelowSeatsTaken, ScheduleData, ScheduleOverlap

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # a Monday, four weeks before Berlin's DST change
JUNE = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday


def berlin_listing(**overrides: Any) -> Listing:
    values: dict[str, Any] = {
        "host": HostProfileFactory.create(),
        "status": "draft",
        "address": "Am Kupfergraben 1",
        "city": "Berlin",
        "country_code": "DE",
        "latitude": 52.52,
        "longitude": 13.395,
        "time_zone": "Europe/Berlin",
        "duration_minutes": 60,
    }
    values.update(overrides)
    return ListingFactory.create(**values)


def overlapping(listing: Listing) -> list[tuple[datetime, datetime]]:
    """Pairs of the listing's open slots that run at the same time."""
    slots = Slot.objects.filter(listing=listing, status=Slot.Status.OPEN).order_by("starts_at")
    return [(a.starts_at, b.starts_at) for a, b in pairwise(slots) if b.starts_at < a.ends_at]


def api_for(user: User) -> Client:
    token = account_services.create_api_token(user=user, name="tests").secret
    return Client(headers={"Authorization": f"Bearer {token}"})


def error_code(response: Any) -> str:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return str(body["error"]["code"])


# --- One group at a time --------------------------------------------------------------------


def test_two_rules_never_make_overlapping_groups_on_the_night_clocks_go_forward() -> None:
    """A 60-minute listing in Berlin has two Sunday rules, 01:30 and 03:00: 90 minutes apart on
    the wall clock, so both are accepted. On 29 March 2026 clocks jump from 02:00 to 03:00, and
    the 01:30 group (00:30-01:30 UTC) is still out when the 03:00 group (01:00 UTC) starts: the
    host is booked for two groups at once. docs/hosting.md: "One listing runs one group at a
    time"; rules.py promises "the slots are made one group at a time all the same
    (services.one_group_at_a_time)", but that runs per schedule, never across the listing's
    schedules, so the later start gets a slot."""
    listing = berlin_listing()
    for start in (time(1, 30), time(3, 0)):
        services.create_schedule(
            host=listing.host,
            listing_id=listing.pk,
            data=ScheduleData(
                weekdays=[6],
                start_times=[start],
                valid_from=date(2026, 3, 22),
                valid_until=date(2026, 4, 5),
                capacity=8,
            ),
            now=NOW,
        )

    assert overlapping(listing) == []


def test_a_new_rule_is_refused_where_it_overlaps_a_start_moved_to_that_day() -> None:
    """A 90-minute listing runs Mondays at 10:00; the host moves Monday 8 June's group to 16:00,
    then adds a one-off date on 8 June at 16:30. It is accepted and the day has two open slots
    running at once (16:00-17:30 and 16:30-18:00). docs/hosting.md refuses a rule whose starts
    overlap another rule of the listing on a shared day, and a move into another start; the
    order of the two edits should not matter. check_schedule compares only the rules' own
    start_times and never looks at the moved starts of the siblings' exceptions."""
    listing = berlin_listing(duration_minutes=90)
    mondays = services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            weekdays=[0],
            start_times=[time(10)],
            valid_from=date(2026, 6, 1),
            valid_until=date(2026, 6, 14),
            capacity=8,
        ),
        now=JUNE,
    )
    services.add_schedule_exception(
        host=listing.host,
        schedule_id=mondays.pk,
        day=date(2026, 6, 8),
        start_time=time(10),
        action="move",
        new_time=time(16),
        now=JUNE,
    )

    with pytest.raises(ScheduleOverlap):
        services.create_schedule(
            host=listing.host,
            listing_id=listing.pk,
            data=ScheduleData(
                kind=Schedule.Kind.ONCE,
                valid_from=date(2026, 6, 8),
                start_times=[time(16, 30)],
                capacity=8,
            ),
            now=JUNE,
        )
    assert overlapping(listing) == []


# --- Bad input --------------------------------------------------------------------------------


def test_moving_a_start_on_a_day_far_ahead_is_a_400_not_a_500() -> None:
    """A Toronto listing runs Fridays at 10:00 with no end date. Through the API the host moves
    the start of Friday 9999-12-31 to 20:00 (a typo in the year, or a fuzzer): the answer is
    500 server_error. check_exception accepts any day in the open-ended rule, and
    _check_moved_start converts 9999-12-31 20:00 Toronto time to UTC, past year 9999
    (OverflowError). DESIGN.md invariant 8: "no input produces a 500". The host's site form
    (ExceptionForm) reaches the same code."""
    listing = ListingFactory.create(host=HostProfileFactory.create(), status="draft")
    schedule = services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            weekdays=[4], start_times=[time(10)], valid_from=date(2026, 3, 6), capacity=8
        ),
        now=NOW,
    )

    response = api_for(listing.host.user).post(
        f"/api/v1/host/listings/{listing.pk}/schedules/{schedule.pk}/exceptions",
        {"day": "9999-12-31", "start_time": "10:00", "action": "move", "new_time": "20:00"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert not ScheduleException.objects.exists()


def test_a_camera_jpeg_with_a_second_picture_is_accepted_not_a_500(settings, tmp_path) -> None:
    """Many cameras and phones write JPEGs that carry a second picture (a preview or depth
    map) in an MPO extension; every browser shows them as the plain JPEG they are. Pillow's JPEG
    parser opens them as format "MPO", and clean_upload then looks "MPO" up in FORMATS
    (KeyError): the host gets 500 server_error for a photo docs/hosting.md says is accepted
    (type by content: JPEG). The same happens on the site's upload form and for a host's
    profile photo."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    listing = ListingFactory.create(host=HostProfileFactory.create(), status="draft")
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "teal").save(
        out, format="MPO", save_all=True, append_images=[Image.new("RGB", (800, 600), "red")]
    )
    file = io.BytesIO(out.getvalue())
    file.name = "DSCF0001.JPG"

    response = api_for(listing.host.user).post(
        f"/api/v1/host/listings/{listing.pk}/photos", {"file": file, "alt_text": "The harbour"}
    )

    assert response.status_code == 201, response.content
    assert ListingPhoto.objects.filter(listing=listing).count() == 1


# --- No silent overwrite ----------------------------------------------------------------------


def test_two_editors_of_one_schedule_never_overwrite_each_other() -> None:
    """Two people manage one host account (or one host has two tabs open). Both read the
    schedule; A raises its capacity to 12, then B, from the same read, moves the start to
    11:00 and silently puts the capacity back to 6: A's change is lost without anyone being
    told. DESIGN.md invariant 5: "Editable records carry a version; a stale edit gets 409
    conflict and the current state, not a lost update". A schedule has no version, its read
    no ETag, and PUT /host/listings/{id}/schedules/{sid} takes neither If-Match nor `version`
    (listings do: docs/hosting.md, "No silent overwrite")."""
    listing = berlin_listing()
    api = api_for(listing.host.user)
    base = f"/api/v1/host/listings/{listing.pk}/schedules"
    rule = {
        "weekdays": [0],
        "start_times": ["10:00"],
        "valid_from": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "capacity": 6,
    }
    created = api.post(base, rule, content_type="application/json")
    assert created.status_code == 201
    [read] = api.get(base).json()["items"]

    assert "version" in read, "a schedule carries no version to base an edit on"
    tag = f'"{read["version"]}"'
    first = api.put(
        f"{base}/{read['id']}",
        {**rule, "capacity": 12},
        content_type="application/json",
        headers={"If-Match": tag},
    )
    second = api.put(
        f"{base}/{read['id']}",
        {**rule, "start_times": ["11:00"]},
        content_type="application/json",
        headers={"If-Match": tag},
    )

    assert first.status_code == 200
    assert second.status_code == 412
    schedule = Schedule.objects.get()
    assert (schedule.capacity, schedule.start_times) == (12, [time(10)])


# --- Capacity below seats taken ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_lowering_a_rules_capacity_while_a_guest_takes_seats_is_a_409_not_a_500() -> None:
    """A guest whose hold lapsed confirms it in time after all (its 5 seats are taken again)
    while the host lowers the rule's capacity from 8 to 4. The host's check reads the date
    before the guest's transaction commits (0 seats), then the capacity UPDATE waits for the
    guest's row lock and, once it commits, writes capacity 4 over 5 seats taken: the CHECK
    constraint refuses and the host gets an IntegrityError, a 500 through the API.
    docs/hosting.md: capacity may not go below the seats taken (409
    capacity_below_seats_taken); DESIGN.md invariant 1: the losers of a race get a 409, never
    a 500. update_schedule locks only the one "crowded" row it finds (none), not the slots it
    then changes; change_slot_capacity's conditional UPDATE does not have this gap."""
    listing = berlin_listing(status="published", max_group_size=8)
    rule = ScheduleData(
        weekdays=[0],
        start_times=[time(10)],
        valid_from=date(2026, 6, 8),
        valid_until=date(2026, 6, 8),
        capacity=8,
    )
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=rule, now=JUNE
    )
    slot = Slot.objects.get(schedule=schedule)
    guest = UserFactory.create()
    hold = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=5, now=JUNE)
    assert hold.expires_at is not None
    later = hold.expires_at + timedelta(minutes=1)
    bookings.expire_booking(booking_id=hold.pk, now=later)
    slot.refresh_from_db()
    assert slot.seats_taken == 0

    confirmed, commit = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def confirm() -> None:
        try:
            with transaction.atomic():
                bookings.confirm_booking(guest=guest, reference=hold.reference, now=later)
                confirmed.set()
                commit.wait(10)
            outcomes["guest"] = "confirmed"
        except Exception as error:  # noqa: BLE001  # the outcome is what the test reports
            outcomes["guest"] = type(error).__name__
        finally:
            confirmed.set()
            connection.close()

    def shrink() -> None:
        try:
            bookings.update_schedule(
                host=listing.host,
                schedule_id=schedule.pk,
                data=ScheduleData(**{**rule.__dict__, "capacity": 4}),
                now=later,
            )
            outcomes["host"] = "saved"
        except Exception as error:  # noqa: BLE001
            outcomes["host"] = type(error).__name__
        finally:
            connection.close()

    guest_thread = threading.Thread(target=confirm)
    guest_thread.start()
    assert confirmed.wait(10)
    host_thread = threading.Thread(target=shrink)
    host_thread.start()
    deadline = clock.monotonic() + 10
    while lock_waiters() < 1 and host_thread.is_alive():
        assert clock.monotonic() < deadline, "the host's edit never waited for the guest"
        clock.sleep(0.02)
    commit.set()
    guest_thread.join()
    host_thread.join()

    assert outcomes == {"guest": "confirmed", "host": CapacityBelowSeatsTaken.__name__}
    slot.refresh_from_db()
    assert (slot.capacity, slot.seats_taken) == (8, 5)
