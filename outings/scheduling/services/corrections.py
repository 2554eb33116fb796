"""Staff's correction of a date's times (the admin's change form, scheduling.admin.SlotAdmin)
carried to what reads them: the date's rule, which would otherwise put its times back, and its
guests, who are told; and staff's deletion of a date, which its rule would otherwise make
again."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from outings.common.zones import zone_or_utc
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.services.sync import announce_retimed, lock_listing, with_guests


def times_corrected(*, slot_id: int, was_starts_at: datetime) -> None:
    """Staff corrected the times of the date `slot_id` (saved; it started at `was_starts_at`).
    Call in that transaction, holding the locks of its listing, its rule and the date, in that
    order (SlotAdminForm takes them; the order of a listing's edit and of the hourly run).

    A date of a rule leaves it and is a date made by hand from now on, which no rule moves or
    retires, and the rule no longer makes the start it had (`_leave_rule`): the hourly run
    brought the date back to what its rule says (a moved start retired and the old one made
    again, or, booked, kept beside a new date at the old start; a corrected end put back to the
    listing's duration).

    A booked date's guests, and whoever waits for a seat on it, are told what moved, the start
    it had with the new one (scheduling.slots.retimed, which the bookings app reads: each
    confirmed booking's calendar event moves, and its reminder follows the new start)."""
    slot = Slot.objects.select_related("schedule", "listing").get(pk=slot_id)
    if slot.schedule is not None:
        _leave_rule(slot, was_starts_at=was_starts_at)
    if with_guests(Slot.objects.filter(pk=slot.pk)).exists():
        moved = was_starts_at != slot.starts_at
        announce_retimed(
            slot_ids=[slot.pk],
            was_starts_at={str(slot.pk): was_starts_at.isoformat()} if moved else None,
        )


@transaction.atomic
def delete_slot_as_staff(*, slot_id: int) -> None:
    """Staff delete the date `slot_id` (the slot admin's delete, of one date or several chosen).
    A date of a rule leaves it first (`_leave_rule`, as one whose times staff correct): deleted
    as a row only, the rule still made its start, and the hourly run made the date again, open
    for sale. Under the locks of its listing, its rule and the date, in that order (a listing's
    edit's and the hourly run's). A date bookings name is protected (Booking.slot): Django's
    delete page refuses it before this is called. Nothing for a date gone meanwhile."""
    found = Slot.objects.filter(pk=slot_id).values_list("listing_id", "schedule_id").first()
    if found is None:
        return
    listing_id, schedule_id = found
    lock_listing(listing_id)
    if schedule_id is not None:
        list(Schedule.objects.select_for_update().filter(pk=schedule_id).values_list("pk"))
    slot = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("schedule", "listing")
        .filter(pk=slot_id)
        .first()
    )
    if slot is None:
        return
    if slot.schedule is not None:
        _leave_rule(slot, was_starts_at=slot.starts_at)
    Slot.objects.filter(pk=slot.pk).delete()


def _leave_rule(slot: Slot, *, was_starts_at: datetime) -> None:
    """Detach `slot` from its rule, which no longer makes the occurrence it was: the day's
    start cancelled (a cancel exception, as a host's), or, if it was a start the host had moved
    there (a move exception), that move turned into the start cancelled. A start the rule did
    not make (one left from an older rule, kept because it was booked) needs nothing."""
    schedule = slot.schedule
    assert schedule is not None
    local = was_starts_at.astimezone(zone_or_utc(slot.listing.time_zone))
    day, at = local.date(), local.time()
    that_day = ScheduleException.objects.filter(schedule=schedule, day=day)
    moved_here = that_day.filter(action=ScheduleException.Action.MOVE, new_time=at)
    if not moved_here.update(action=ScheduleException.Action.CANCEL, new_time=None):
        made_by_rule = at in schedule.start_times
        excepted = that_day.filter(Q(start_time=at) | Q(start_time__isnull=True)).exists()
        if made_by_rule and not excepted:
            ScheduleException.objects.create(
                schedule=schedule, day=day, start_time=at, action=ScheduleException.Action.CANCEL
            )
    Slot.objects.filter(pk=slot.pk).update(schedule=None)
