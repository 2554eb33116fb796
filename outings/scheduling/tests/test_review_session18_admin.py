"""Review (session 18): staff's change form and a cancelled date's times. A host cannot move a
cancelled date (its guests were told and refunded, its waiting list closed); the admin moved
it: the date left its rule, the rule's start that day was cancelled as an exception, and the
record of what was cancelled named a time it never had."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.bookings import services as bookings
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.tests.factories import ListingFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.services import materialize_schedules
from outings.scheduling.tests.support import stored
from outings.scheduling.tests.test_review_session15_admin import change_url, open_form, staff_client
from outings.scheduling.tests.test_review_session16_admin import a_rules_date, times

__all__ = ["staff_client"]  # a fixture

pytestmark = pytest.mark.django_db

CANCELLED = "This date is cancelled: its times cannot change."
EVERYTHING = (Slot, Schedule, ScheduleException, Booking, WaitlistEntry, OutboxMessage)


@pytest.fixture
def a_cancelled_date() -> Slot:
    """A rule's date with a guest's booking of 2, cancelled by its host."""
    slot = a_rules_date()
    guest = UserFactory.create()
    now = timezone.now()
    held = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    bookings.confirm_booking(guest=guest, reference=held.reference, now=now)
    bookings.cancel_slot(host=slot.listing.host, slot_id=slot.pk, reason="Storm", now=now)
    slot.refresh_from_db()
    assert slot.status == Slot.Status.CANCELLED
    return slot


@pytest.mark.parametrize("moved", [{"hours": 2}, {"minutes": -30}])
def test_staff_cannot_move_a_cancelled_date(
    staff_client: Client, a_cancelled_date: Slot, moved: dict[str, int]
) -> None:
    slot = a_cancelled_date
    form = open_form(staff_client, slot)
    before = stored(*EVERYTHING)

    response = staff_client.post(change_url(slot), {**form, **times(slot, **moved)})

    assert response.status_code == 200
    assert CANCELLED in response.content.decode()
    assert stored(*EVERYTHING) == before


def test_staff_cannot_change_only_the_end_of_a_cancelled_date(
    staff_client: Client, a_cancelled_date: Slot
) -> None:
    slot = a_cancelled_date
    form = open_form(staff_client, slot)
    ends = timezone.localtime(slot.ends_at + timedelta(minutes=30))

    response = staff_client.post(
        change_url(slot),
        {**form, "ends_at_0": f"{ends:%Y-%m-%d}", "ends_at_1": f"{ends:%H:%M:%S}"},
    )

    assert response.status_code == 200
    assert CANCELLED in response.content.decode()
    assert Slot.objects.get(pk=slot.pk).ends_at == slot.ends_at


def test_staff_may_still_save_a_cancelled_date_with_its_times_as_they_are(
    staff_client: Client, a_cancelled_date: Slot
) -> None:
    slot = a_cancelled_date
    form = open_form(staff_client, slot)

    response = staff_client.post(change_url(slot), form)

    assert response.status_code == 302
    now = Slot.objects.get(pk=slot.pk)
    assert (now.starts_at, now.ends_at, now.schedule_id) == (
        slot.starts_at,
        slot.ends_at,
        slot.schedule_id,
    )


# --- A new date's rule -------------------------------------------------------------------------


def add_form(listing_id: int, schedule_id: int, starts: datetime) -> dict[str, object]:
    """The add form for a 90-minute date of `listing_id` at `starts`, naming `schedule_id`."""
    local, ends = timezone.localtime(starts), timezone.localtime(starts + timedelta(minutes=90))
    return {
        "listing": listing_id,
        "schedule": schedule_id,
        "starts_at_0": f"{local:%Y-%m-%d}",
        "starts_at_1": f"{local:%H:%M:%S}",
        "ends_at_0": f"{ends:%Y-%m-%d}",
        "ends_at_1": f"{ends:%H:%M:%S}",
        "capacity": 6,
    }


@pytest.mark.parametrize("rule_of", ["its listing", "another listing"])
def test_a_date_staff_add_is_made_by_hand_and_stays(staff_client: Client, rule_of: str) -> None:
    """Staff added a date naming a rule, at a time the rule does not make: the next hourly run
    found it among the rule's dates, not wanted, and deleted it; named a rule of another
    listing, it was that rule's (the other listing's changes retired it and read its seats as
    theirs). A date added in the admin is made by hand, as one whose times staff correct is:
    it has no rule, and it stays."""
    rules_date = a_rules_date()
    listing = rules_date.listing
    if rule_of == "another listing":
        listing = ListingFactory.create(duration_minutes=90)
    starts = rules_date.starts_at + timedelta(days=1)

    response = staff_client.post(
        reverse("admin:scheduling_slot_add"),
        add_form(listing.pk, rules_date.schedule_id or 0, starts),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    materialize_schedules(now=timezone.now(), horizon_days=settings.SCHEDULE_HORIZON_DAYS)

    added = Slot.objects.get(listing=listing, starts_at=starts)
    assert (added.schedule_id, added.status, added.capacity) == (None, Slot.Status.OPEN, 6)


# --- A rule in the admin -------------------------------------------------------------------------


def test_staff_cannot_change_a_rule_past_its_services(staff_client: Client) -> None:
    """The rule admin saved a rule as posted: its dates did not follow (until the hourly run
    retired them), no overlap or place was checked, and its version stayed, so the host's edit
    from before silently overwrote it. Rules change through their host's services; staff see
    them, and correct a date on the date."""
    rules_date = a_rules_date()
    rule = rules_date.schedule
    assert rule is not None
    url = reverse("admin:scheduling_schedule_change", args=[rule.pk])
    before = stored(Schedule, Slot)

    response = staff_client.post(
        url,
        {
            "listing": rule.listing_id,
            "kind": rule.kind,
            "weekdays": ",".join(map(str, rule.weekdays)),
            "start_times": "11:00:00",
            "valid_from": f"{rule.valid_from:%Y-%m-%d}",
            "valid_until": f"{rule.valid_until:%Y-%m-%d}" if rule.valid_until else "",
            "capacity": 12,
        },
    )

    assert response.status_code == 403
    assert stored(Schedule, Slot) == before
    assert staff_client.get(url).status_code == 200  # shown, read-only
    add = staff_client.post(reverse("admin:scheduling_schedule_add"), {})
    assert add.status_code == 403
    assert stored(Schedule, Slot) == before


def test_staff_cannot_add_a_date_to_an_archived_listing(staff_client: Client) -> None:
    """Every other change of an archived listing's dates is refused (its rules, a date's places,
    a host's cancel), and archiving takes its dates to come off sale; the add form still made
    one, open for sale on a listing nobody can find. Now a form error, nothing made."""
    rules_date = a_rules_date()
    listing = rules_date.listing
    listing.status = listing.Status.ARCHIVED
    listing.save(update_fields=["status"])
    before = stored(*EVERYTHING)

    response = staff_client.post(
        reverse("admin:scheduling_slot_add"),
        add_form(listing.pk, 0, rules_date.starts_at + timedelta(days=1)),
    )

    assert response.status_code == 200
    assert "This listing is archived: no date can be added to it." in response.content.decode()
    assert stored(*EVERYTHING) == before
