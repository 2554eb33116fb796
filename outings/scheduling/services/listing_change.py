"""A listing's new duration or time zone carried over to its dates to come
(`follow_listing_change`), the rules' dates and those no rule makes alike."""

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from outings.bookings.selectors import held_by_bookings
from outings.catalog.models import Listing
from outings.common.zones import zone_or_utc
from outings.scheduling import rules
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleOverlap, SlotHasBookings, SlotWouldPass
from outings.scheduling.services.expansion import local_instant
from outings.scheduling.services.schedules import check_moved_days, overlap_refusal
from outings.scheduling.services.sync import retime, retire, sync_schedule_slots

MICROSECOND = timedelta(microseconds=1)


def follow_listing_change(*, listing: Listing, previous_time_zone: str, now: datetime) -> None:
    """Carry a new duration or time zone of `listing` (already saved) over to its future dates:
    end times follow the duration, starts stay at their wall-clock times in the new zone, for
    the schedules' slots and for dates no rule makes (`_follow_dates_made_by_hand`) alike.
    ScheduleOverlap if the starts would overlap at the new duration (rules, a moved start and its
    day, or a date made by hand and its neighbours); SlotHasBookings if a booked date would move
    or go; SlotWouldPass if the new zone would put an unbooked date to come in the past
    (`_check_none_would_pass`). Call in the transaction that edits the listing, holding its row
    lock (the order of create_schedule)."""
    schedules = list(
        Schedule.objects.select_for_update(of=("self",))
        .filter(listing=listing)
        .order_by("pk")
        .prefetch_related("exceptions")
    )
    minutes = listing.slot_minutes
    zone = zone_or_utc(listing.time_zone)
    today = now.astimezone(zone).date()
    rules.check_duration(schedules=schedules, duration_minutes=minutes, today=today)
    check_moved_days(listing=listing, now=now, field="duration_minutes")
    if listing.time_zone != previous_time_zone:
        _check_none_would_pass(listing=listing, previous_time_zone=previous_time_zone, now=now)
    try:
        for schedule in schedules:
            schedule.listing = listing
            sync_schedule_slots(
                schedule=schedule, now=now, horizon_days=settings.SCHEDULE_HORIZON_DAYS
            )
    except SlotHasBookings as error:
        if listing.time_zone == previous_time_zone:
            raise
        raise _zone_move_refused(listing, previous_time_zone, error.context["slots"]) from error
    _follow_dates_made_by_hand(listing=listing, previous_time_zone=previous_time_zone, now=now)


def _zone_move_refused(
    listing: Listing, previous_time_zone: str, slots: Sequence[Slot]
) -> SlotHasBookings:
    """The refusal of a new zone that would move the booked `slots`, named in the old zone."""
    old = zone_or_utc(previous_time_zone)
    when = ", ".join(f"{slot.starts_at.astimezone(old):%Y-%m-%d %H:%M}" for slot in slots)
    message = _(
        "Guests have booked %(when)s (%(zone)s time); in the time zone of the new meeting "
        "point (%(new)s) these dates would move. Cancel those bookings first, or keep the "
        "meeting point in the same time zone."
    ) % {"when": when, "zone": previous_time_zone, "new": listing.time_zone}
    return SlotHasBookings(message, fields={"latitude": [message]}, slots=list(slots))


def _check_none_would_pass(*, listing: Listing, previous_time_zone: str, now: datetime) -> None:
    """SlotWouldPass (on `latitude`, the zone's source) if a date still to come and nobody
    booked on it would keep its wall-clock start in the new zone at an instant already past: a
    rule's date was retired (its rule makes no start in the past) and one made by hand kept a
    start nobody could book any more, without a word to the host, whose pages had just offered
    it. The host cancels it first (or keeps the zone until it has passed): nothing goes
    unsaid, and the edit's answer stays the listing (no list of dates gone to carry through
    the pages, the API and the admin). A weekly rule's date went so until session 23, a one-off
    date and one made by hand until session 22. A booked date that would move is
    SlotHasBookings (its guests come first); one the new zone skips goes."""
    old, zone = zone_or_utc(previous_time_zone), zone_or_utc(listing.time_zone)
    dates = (
        Slot.objects.filter(
            listing_id=listing.pk,
            status=Slot.Status.OPEN,
            starts_at__gt=now,
            seats_taken=0,
        )
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    passing = [
        start
        for start in dates
        if (new := _start_in(start.astimezone(old), zone)) is not None and new <= now
    ]
    if not passing:
        return
    message = ngettext(
        "%(when)s (%(zone)s time) would start at the same time of day in the time zone of the "
        "new meeting point (%(new)s), which is past. Cancel this date first, or keep the "
        "meeting point in the same time zone.",
        "%(when)s (%(zone)s time) would start at the same time of day in the time zone of the "
        "new meeting point (%(new)s), which is past. Cancel these dates first, or keep the "
        "meeting point in the same time zone.",
        len(passing),
    ) % {
        "when": ", ".join(f"{start.astimezone(old):%Y-%m-%d %H:%M}" for start in passing),
        "zone": previous_time_zone,
        "new": listing.time_zone,
    }
    raise SlotWouldPass(message, fields={"latitude": [message]})


def _follow_dates_made_by_hand(*, listing: Listing, previous_time_zone: str, now: datetime) -> None:
    """The open dates to come that no schedule makes (staff add them in the admin) follow the
    listing as the rules' dates do (sync_schedule_slots): each keeps its wall-clock start in the
    new zone (one the new zone skips goes, as a rule's start there makes no slot) and lasts the
    new duration. A booked one gets its new end and its guests are told (RETIMED); one that the
    new zone would move is SlotHasBookings (not for a hold or request that lapsed).
    ScheduleOverlap if one would overlap another open date of the listing.
    Call after the schedules' slots are synced, holding the listing's row lock."""
    dates = list(
        Slot.objects.select_for_update()
        .filter(
            listing_id=listing.pk,
            schedule__isnull=True,
            status=Slot.Status.OPEN,
            starts_at__gte=now,
        )
        .order_by("starts_at")
    )
    if not dates:
        return
    old, zone = zone_or_utc(previous_time_zone), zone_or_utc(listing.time_zone)
    duration = timedelta(minutes=listing.slot_minutes)
    starts: dict[int, datetime | None] = {}
    for slot in dates:
        # In the same zone nothing moves: a start in the repeated hour keeps its occurrence.
        starts[slot.pk] = (
            slot.starts_at
            if listing.time_zone == previous_time_zone
            else _start_in(slot.starts_at.astimezone(old), zone)
        )
    moved = [slot for slot in dates if starts[slot.pk] != slot.starts_at]
    # A hold or a request whose time ran out holds none (held_by_bookings).
    held = held_by_bookings([slot.pk for slot in moved if slot.seats_taken > 0], now=now)
    booked = [slot for slot in moved if slot.pk in held]
    if booked:
        raise _zone_move_refused(listing, previous_time_zone, booked)
    staying = [slot for slot in dates if starts[slot.pk] is not None]
    _check_clear_of_other_dates(
        listing=listing,
        # A list: two dates that would start at one instant (the first and the second 01:30 of
        # a night the old zone repeats, in a zone that does not) are a pair that overlaps.
        mine=[start for slot in staying if (start := starts[slot.pk]) is not None],
        leaving=[slot.pk for slot in dates],
        now=now,
    )
    _check_not_taken(
        listing=listing,
        starts=[start for slot in moved if (start := starts[slot.pk]) is not None],
        leaving=[slot.pk for slot in dates],
    )
    retire((slot.pk for slot in dates if starts[slot.pk] is None), now=now)
    _move_starts(
        {slot.pk: (slot.starts_at, start) for slot in moved if (start := starts[slot.pk])},
        listing_id=listing.pk,
        duration=duration,
    )
    retime(Slot.objects.filter(pk__in=[slot.pk for slot in staying]), duration=duration)


def _start_in(local: datetime, zone: ZoneInfo) -> datetime | None:
    """The instant of the wall-clock time `local` (aware, in the old zone) in `zone`: None if
    `zone` skips it; in an hour `zone` repeats, the occurrence `local` is in the old zone (its
    fold), so that a zone with the same rules moves nothing; the first if the old zone has that
    time once (local_instant: a rule's start there is the first too)."""
    if local_instant(local.date(), local.time().replace(tzinfo=None), zone) is None:
        return None
    return local.replace(tzinfo=zone).astimezone(UTC)


def _move_starts(
    moves: dict[int, tuple[datetime, datetime]], *, listing_id: int, duration: timedelta
) -> None:
    """Give each date (id: its start, its new start, all distinct) its new start, one UPDATE at
    a time, each once no date still to move holds its new start: slot_unique_start is checked
    row by row. A new zone may move dates both ways in one change (Halifax to Santiago: an
    hour earlier in January, later in July), so no single order serves; they were moved in
    the direction of the shifts' sum, and a date moving the other way took the start of its
    neighbour before that one had left (an IntegrityError, a 500). Dates that wait for each
    other in a ring (no zone pair known makes one) are broken by parking one at a free instant."""
    held = {start: pk for pk, (start, _) in moves.items()}
    waiting = dict(moves)
    while waiting:
        ready = [pk for pk, (_, new) in waiting.items() if held.get(new, pk) == pk]
        if not ready:
            pk = min(waiting)
            start, new = waiting[pk]
            parked = _free_instant(listing_id=listing_id, near=start)
            Slot.objects.filter(pk=pk).update(starts_at=parked, ends_at=parked + duration)
            del held[start]
            held[parked] = pk
            waiting[pk] = (parked, new)
            continue
        for pk in ready:
            start, new = waiting.pop(pk)
            Slot.objects.filter(pk=pk).update(starts_at=new, ends_at=new + duration)
            del held[start]
            held[new] = pk


def _free_instant(*, listing_id: int, near: datetime) -> datetime:
    """An instant no date of the listing starts at, a few microseconds after `near`."""
    candidate = near + MICROSECOND
    while Slot.objects.filter(listing_id=listing_id, starts_at=candidate).exists():
        candidate += MICROSECOND
    return candidate


def _check_not_taken(
    *, listing: Listing, starts: Collection[datetime], leaving: Collection[int]
) -> None:
    """ScheduleOverlap (on `latitude`, the zone's source) if a date would move to the start of
    another of the listing's dates that the overlap check does not see (it reads the open dates
    to come): a cancelled one, or one under way. slot_unique_start refused the move, a 500."""
    taken = (
        Slot.objects.filter(listing_id=listing.pk, starts_at__in=starts)
        .exclude(pk__in=leaving)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    if taken is None:
        return
    zone = zone_or_utc(listing.time_zone)
    message = _(
        "A date of this listing that is cancelled or has begun starts at %(when)s (%(zone)s "
        "time), where another date would move in the new time zone. Keep the meeting point in "
        "the same time zone."
    ) % {"when": f"{taken.astimezone(zone):%Y-%m-%d %H:%M}", "zone": listing.time_zone}
    raise ScheduleOverlap(message, fields={"latitude": [message]})


def _check_clear_of_other_dates(
    *, listing: Listing, mine: Collection[datetime], leaving: Collection[int], now: datetime
) -> None:
    """ScheduleOverlap (on `duration_minutes`) if one of the starts `mine` (the dates' new
    starts) would be out at the same time as another open date of the listing to come (not
    counting `leaving`: the dates being moved or retired)."""
    others = Slot.objects.filter(
        listing_id=listing.pk, status=Slot.Status.OPEN, starts_at__gte=now
    ).exclude(pk__in=leaving)
    minutes = listing.slot_minutes
    starts = [*mine, *others.values_list("starts_at", flat=True)]
    for pair in rules.overlapping_instants(starts, minutes):
        if pair[0] in mine or pair[1] in mine:
            raise overlap_refusal(
                pair, zone=zone_or_utc(listing.time_zone), minutes=minutes, field="duration_minutes"
            )
