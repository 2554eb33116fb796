"""The host's rules, one-off dates and exceptions (issue 4), and their checks.

Every change re-materialises the schedule's slots up to SCHEDULE_HORIZON_DAYS in the same
transaction (sync_schedule_slots), and beat does the same hourly for every schedule, so the
horizon moves forward. Slots with seats taken are never removed or shrunk: a change that would
need that is refused (SlotHasBookings, CapacityBelowSeatsTaken); the host cancels such a date
through bookings.services.cancel_slot.
A service that names a rule, an exception or a date by its id takes `listing_id`, the listing
the caller's path names: the lookup that scopes the id to the host scopes it to that listing
too, so one of another of the host's listings is NotFound like a missing one, in the same
query. None (the default) finds it on any of the host's listings, for a caller whose path names
no listing (a date's roster page, /host/slots/<id>/roster/).
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from outings.accounts.models import HostProfile
from outings.bookings.selectors import held_by_bookings
from outings.catalog.models import Listing
from outings.catalog.services.errors import ensure_active
from outings.common import formtokens
from outings.common.errors import ExpectedVersion, NotFound, highest_version, version_is_current
from outings.common.zones import zone_or_utc
from outings.scheduling import rules
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import ScheduleConflict, ScheduleData, SlotHasBookings
from outings.scheduling.services.capacity import below_seats_taken
from outings.scheduling.services.expansion import desired_starts, exceptions_of, local_instant
from outings.scheduling.services.sync import lock_listing, retire, sync_schedule_slots


def _own_listing_locked(*, host: HostProfile, listing_id: int) -> Listing:
    ensure_active(host)
    listing = (
        Listing.objects.select_for_update(no_key=True)
        .filter(pk=listing_id, host=host)
        .exclude(status=Listing.Status.ARCHIVED)
        .first()
    )
    if listing is None:
        raise NotFound()
    return listing


def _own_schedule_locked(
    *, host: HostProfile, listing_id: int | None = None, schedule_id: int
) -> Schedule:
    own = Schedule.objects.filter(pk=schedule_id, listing__host=host)
    if listing_id is not None:
        own = own.filter(listing_id=listing_id)
    schedule = own.first()
    if schedule is None:
        raise NotFound()
    # Lock the listing first, then the schedule: the same order as create_schedule.
    listing = _own_listing_locked(host=host, listing_id=schedule.listing_id)
    schedule = Schedule.objects.select_for_update().filter(pk=schedule.pk).first()
    if schedule is None:
        # Removed while we waited for the listing's lock, which its removal holds (a double
        # click on "Remove", another tab, staff): Schedule.DoesNotExist, a 500, until session 19.
        raise NotFound()
    schedule.listing = listing
    return schedule


def _future_slots_locked(*, schedule: Schedule, now: datetime) -> QuerySet[Slot]:
    """The schedule's slots from `now` on, each row locked first (in start order, the app's lock
    order): a check of their seats then counts the seats a guest was taking meanwhile."""
    future = Slot.objects.filter(schedule=schedule, starts_at__gte=now)
    list(future.select_for_update().order_by("starts_at").values_list("pk", flat=True))
    return future


def _checked(
    *, listing: Listing, data: ScheduleData, exclude_id: int | None, now: datetime
) -> ScheduleData:
    data = data.normalised()
    zone = zone_or_utc(listing.time_zone)
    # The exceptions of the rule this changes, which stay with it.
    saved = list(ScheduleException.objects.filter(schedule_id=exclude_id)) if exclude_id else []
    rules.check_schedule(
        data=data,
        today=now.astimezone(zone).date(),  # the listing's, as every date of its rules
        duration_minutes=listing.slot_minutes,
        min_group_size=listing.min_group_size,
        min_guests=listing.min_guests,
        siblings=Schedule.objects.filter(listing=listing)
        .exclude(pk=exclude_id or 0)
        .prefetch_related("exceptions"),
        exceptions=saved,
    )
    if data.kind == Schedule.Kind.ONCE:
        if data.valid_from < now.astimezone(zone).date():
            # Gone by whatever its times; read as instants, a day early enough in the calendar
            # is one no datetime holds in UTC (OverflowError, a 500, until session 20).
            raise rules.InvalidSchedule(
                fields={"start_times": [gone_by(at, data.valid_from) for at in data.start_times]}
            )
        # A weekly rule skips the hour clocks go forward once a year; a one-off date there would
        # make no date at all, so it is refused with the reason.
        skipped = [t for t in data.start_times if local_instant(data.valid_from, t, zone) is None]
        if skipped:
            raise rules.InvalidSchedule(
                fields={"start_times": [skipped_time(at, data.valid_from, zone) for at in skipped]}
            )
        # Nor a date all of whose starts have gone by: saved, it made nothing, with no word why.
        # One start still to come is enough (a date edited after its first group went out).
        instants = [local_instant(data.valid_from, at, zone) for at in data.start_times]
        if all(instant is not None and instant <= now for instant in instants):
            raise rules.InvalidSchedule(
                fields={"start_times": [gone_by(at, data.valid_from) for at in data.start_times]}
            )
        # Nor a start beside a date no rule makes (staff's): the sync makes it no date
        # (_clear_of_other_groups), and the date was accepted for nothing (until session 23).
        # Not a start its exceptions cancel or move (staff correcting its date's times do).
        kept = rules.starts_kept(data.start_times, saved, data.valid_from)
        starts = [local_instant(data.valid_from, at, zone) for at in kept]
        to_come = [start for start in starts if start is not None and start > now]
        check_clear_of_dates_by_hand(listing=listing, starts=to_come, field="start_times")
    elif data.valid_until is not None and data.valid_until < now.astimezone(zone).date():
        raise rules.InvalidSchedule(
            fields={
                "valid_until": [
                    _("This end date has gone by: the schedule would make no more dates.")
                ]
            }
        )
    # check_schedule compares the rules' own start times; a start moved to another time of a
    # day is compared here, in real time, with the rule as it would be.
    rule = Schedule(pk=exclude_id, listing=listing, **data.values())
    check_moved_days(listing=listing, now=now, field="start_times", rule=rule)
    return data


@transaction.atomic
def create_schedule(
    *,
    host: HostProfile,
    listing_id: int,
    data: ScheduleData,
    now: datetime,
    form_token: str | None = None,
) -> Schedule:
    """Add a weekly rule or a one-off date to one of `host`'s listings and materialise it.
    `form_token` (the schedules page's one-time token) makes the same form sent again add
    nothing: formtokens.AlreadySent, spent under the listing's lock (a second submission waits
    for the first to commit), before the checks (the rule the first one added would refuse it as
    an overlap)."""
    listing = _own_listing_locked(host=host, listing_id=listing_id)
    used = formtokens.spend(user_id=host.user_id, token=form_token, kind="schedule")
    data = _checked(listing=listing, data=data, exclude_id=None, now=now)
    schedule = Schedule.objects.create(listing=listing, **data.values())
    formtokens.made(used, made_id=schedule.pk)
    sync_schedule_slots(schedule=schedule, now=now, horizon_days=settings.SCHEDULE_HORIZON_DAYS)
    return schedule


@transaction.atomic
def update_schedule(
    *,
    host: HostProfile,
    listing_id: int | None = None,
    schedule_id: int,
    data: ScheduleData,
    now: datetime,
    expected_version: ExpectedVersion = None,
) -> Schedule:
    """Change a rule. Future slots follow it: new ones appear, unbooked ones that no longer fit
    go, and a new capacity moves every open future slot that follows the rule (not those whose
    places were set on the date itself, `Slot.own_capacity`, which stay as they are), unless
    that would drop a booked slot (SlotHasBookings) or put a capacity below its seats taken
    (CapacityBelowSeatsTaken): seats a guest takes meanwhile are counted
    (_future_slots_locked), never written over. An edit that keeps the capacity changes no
    date's places.

    With `expected_version` (or several: an If-Match naming more than one ETag), only if the rule
    is still at it, checked under its row lock: of two editors holding the same version exactly
    one wins, the other gets ScheduleConflict with the rule as it is. Every change moves
    `version` forward."""
    schedule = _own_schedule_locked(host=host, schedule_id=schedule_id, listing_id=listing_id)
    if expected_version is not None and not version_is_current(schedule.version, expected_version):
        raise ScheduleConflict(current=schedule, expected_version=highest_version(expected_version))
    data = _checked(listing=schedule.listing, data=data, exclude_id=schedule.pk, now=now)
    future = _future_slots_locked(schedule=schedule, now=now)
    # Only a new capacity moves places, and only those of the dates that follow the rule.
    following = (
        future.filter(status=Slot.Status.OPEN, own_capacity=False)
        if data.capacity != schedule.capacity
        else future.none()
    )
    crowded = following.filter(seats_taken__gt=data.capacity).order_by("starts_at").first()
    if crowded is not None:
        raise below_seats_taken(crowded, schedule.listing)
    for name, value in data.values().items():
        setattr(schedule, name, value)
    schedule.version += 1
    schedule.save()
    # The rule's capacity is a host's edit of each date it changes (Slot.version).
    following.exclude(capacity=data.capacity).update(
        capacity=data.capacity, version=F("version") + 1
    )
    sync_schedule_slots(schedule=schedule, now=now, horizon_days=settings.SCHEDULE_HORIZON_DAYS)
    return schedule


@transaction.atomic
def delete_schedule(
    *,
    host: HostProfile,
    listing_id: int | None = None,
    schedule_id: int,
    now: datetime,
    expected_version: ExpectedVersion = None,
) -> None:
    """Remove a rule and its unbooked future slots; refused while a future slot has bookings.
    Past slots stay (without their schedule) as the record of what happened. With
    `expected_version` (or several), only if the rule is still at it, checked under its row
    lock as an edit's (ScheduleConflict)."""
    schedule = _own_schedule_locked(host=host, schedule_id=schedule_id, listing_id=listing_id)
    if expected_version is not None and not version_is_current(schedule.version, expected_version):
        raise ScheduleConflict(current=schedule, expected_version=highest_version(expected_version))
    _remove(schedule, now=now)


@transaction.atomic
def delete_schedule_as_staff(*, schedule_id: int, now: datetime) -> None:
    """Staff's removal of a rule (the schedule admin's delete): as its host's (delete_schedule),
    whatever the listing's state or its host's, under the same locks in the same order (the
    listing, then the rule, then its dates to come). NotFound for a rule gone meanwhile."""
    listing_id = (
        Schedule.objects.filter(pk=schedule_id).values_list("listing_id", flat=True).first()
    )
    if listing_id is None:
        raise NotFound()
    lock_listing(listing_id)
    # A rule given to another listing while this waited reads as gone: its lock was not taken.
    rule = Schedule.objects.select_for_update().filter(pk=schedule_id, listing_id=listing_id)
    schedule = rule.first()
    if schedule is None:
        raise NotFound()
    _remove(schedule, now=now)


def _remove(schedule: Schedule, *, now: datetime) -> None:
    """Delete `schedule` (its row locked, and its listing's) and retire its unbooked dates to
    come; SlotHasBookings while bookings hold seats on one of them (a hold or a request whose
    time ran out holds none, held_by_bookings). Past dates stay, without their rule, as the
    record of what happened."""
    future = _future_slots_locked(schedule=schedule, now=now)
    taken = list(future.filter(seats_taken__gt=0).values_list("pk", flat=True))
    if held_by_bookings(taken, now=now):
        raise SlotHasBookings(_("This schedule has upcoming bookings; it cannot be removed yet."))
    retire(future.values_list("pk", flat=True), now=now)
    schedule.delete()


@transaction.atomic
def add_schedule_exception(
    *,
    host: HostProfile,
    listing_id: int | None = None,
    schedule_id: int,
    day: date,
    start_time: time | None,
    action: str,
    new_time: time | None,
    now: datetime,
    form_token: str | None = None,
) -> ScheduleException:
    """Cancel a day (or one start of it) or move one start to another time, and re-materialise.
    Refused if it would remove a slot that has bookings, a move to a time that makes no date
    (the clocks skip it, or it has gone by: the date went and none came), and a start that has
    begun by `now` (its date runs on whatever the exception says). A whole day is still
    cancelled while one of its starts is under way: its starts to come go.
    `form_token` (the schedules page's "Cancel or move a day" one-time token) makes the same
    form sent again change nothing: formtokens.AlreadySent, spent under the listing's and the
    rule's locks (a second submission waits for the first to commit), before the checks (the
    exception the first one saved would refuse it: "This day already has an exception.")."""
    schedule = _own_schedule_locked(host=host, schedule_id=schedule_id, listing_id=listing_id)
    used = formtokens.spend(user_id=host.user_id, token=form_token, kind="exception")
    zone = zone_or_utc(schedule.listing.time_zone)
    errors: dict[str, list[str]] = {}
    rules.check_exception(
        schedule=schedule,
        day=day,
        start_time=start_time,
        action=action,
        new_time=new_time,
        today=now.astimezone(zone).date(),
        fail=lambda name, message: errors.setdefault(name, []).append(message),
    )
    if ScheduleException.objects.filter(schedule=schedule, day=day, start_time=start_time).exists():
        errors.setdefault("day", []).append(_("This day already has an exception."))
    if start_time is not None and not errors.keys() & {"day", "start_time"}:
        # A date under way (or over) is not among the sync's dates to come: cancelled it ran
        # on, and moved it ran on beside a new date at the new time, for sale (until session
        # 25), while the exception said otherwise.
        began = local_instant(day, start_time, zone)
        if began is not None and began <= now:
            errors.setdefault("start_time", []).append(has_begun(start_time, day))
    if action == ScheduleException.Action.MOVE and "day" not in errors:
        refusal = _check_new_time(day=day, new_time=new_time, zone=zone, now=now)
        if refusal is not None:
            errors.setdefault("new_time", []).append(refusal)
    if errors:
        raise rules.InvalidException(fields=errors)
    exception = ScheduleException(
        schedule=schedule, day=day, start_time=start_time, action=action, new_time=new_time
    )
    if action == ScheduleException.Action.MOVE:
        _check_moved_start(listing=schedule.listing, exception=exception)
    exception.save()
    formtokens.made(used, made_id=exception.pk)
    sync_schedule_slots(schedule=schedule, now=now, horizon_days=settings.SCHEDULE_HORIZON_DAYS)
    return exception


@transaction.atomic
def remove_schedule_exception(
    *,
    host: HostProfile,
    listing_id: int | None = None,
    schedule_id: int | None = None,
    exception_id: int,
    now: datetime,
) -> None:
    """Undo an exception: the day runs as the rule says again. Refused (ScheduleOverlap) where a
    start it brings back would overlap, in real time, a start moved to that day, as a new rule's
    start would be, or an open date no rule makes (where the sync would bring back none).
    With `schedule_id` (an API path names the rule too) only an exception of that rule, as
    `listing_id` does for the listing."""
    own = ScheduleException.objects.filter(pk=exception_id, schedule__listing__host=host)
    if listing_id is not None:
        own = own.filter(schedule__listing_id=listing_id)
    if schedule_id is not None:
        own = own.filter(schedule_id=schedule_id)
    exception = own.first()
    if exception is None:
        raise NotFound()
    schedule = _own_schedule_locked(host=host, schedule_id=exception.schedule_id)
    deleted, _by_model = exception.delete()
    if not deleted:
        raise NotFound()  # undone meanwhile (another tab), while this one waited for the lock
    check_moved_days(listing=schedule.listing, now=now, field=None, day=exception.day)
    # The starts it brings back (not made yet) beside a date no rule makes: the sync skipped
    # them, the undo accepted and the date never back (a start staff corrected: _leave_rule).
    that_day = desired_starts(
        schedule=schedule,
        exceptions=exceptions_of(schedule),
        zone=zone_or_utc(schedule.listing.time_zone),
        first_day=exception.day,
        last_day=exception.day,
    )
    back = [start for start in that_day if start >= now]
    made = set(
        Slot.objects.filter(schedule=schedule, starts_at__in=back).values_list(
            "starts_at", flat=True
        )
    )
    restored = [start for start in back if start not in made]
    check_clear_of_dates_by_hand(listing=schedule.listing, starts=restored, field=None)
    # Nor beside a start of another rule there: a one-off date may take the place of a day off
    # (rules._rules_overlap), and undone, the day's old start got no date beside it.
    _check_clear_of_other_starts(listing=schedule.listing, day=exception.day, starts=restored)
    sync_schedule_slots(schedule=schedule, now=now, horizon_days=settings.SCHEDULE_HORIZON_DAYS)


def _check_clear_of_other_starts(
    *, listing: Listing, day: date, starts: Iterable[datetime]
) -> None:
    """ScheduleOverlap (on no field) if a group starting at one of `starts` (a rule's, brought
    back on `day`) would be out with another start of the listing, in real time: that day's,
    or one of the days around it that a group lasting the listing's duration reaches (a start
    after midnight beside a night brought back was not looked at until session 25). The sync
    would make it no date (one_group_at_a_time), and the change asking for it would be
    accepted for nothing."""
    brought_back = set(starts)
    if not brought_back:
        return
    zone, minutes = zone_or_utc(listing.time_zone), listing.slot_minutes
    reach = -(-minutes // (24 * 60))  # whole days a group can run into
    schedules = list(Schedule.objects.filter(listing=listing).prefetch_related("exceptions"))
    around = [
        start
        for offset in range(-reach, reach + 1)
        for start in starts_on(
            listing=listing, day=day + timedelta(days=offset), schedules=schedules
        )
    ]
    for pair in rules.overlapping_instants(around, minutes):
        if brought_back & set(pair):
            raise overlap_refusal(pair, zone=zone, minutes=minutes, field=None)


def skipped_time(at: time, day: date, zone: ZoneInfo) -> str:
    """Why a start at `at` on `day` is refused where the clocks skip it."""
    return _("%(time)s does not exist on %(day)s in %(zone)s: the clocks go forward.") % {
        "time": f"{at:%H:%M}",
        "day": day,
        "zone": zone.key,
    }


def _check_new_time(
    *, day: date, new_time: time | None, zone: ZoneInfo, now: datetime
) -> str | None:
    """Why a start moved to `new_time` on `day` would make no date, or None: the clocks skip
    that time, or it has gone by. Either way the start moved went and none came in its place."""
    if new_time is None or new_time.second or new_time.microsecond:
        return None  # check_exception's refusals
    moved = local_instant(day, new_time, zone)
    if moved is None:
        return skipped_time(new_time, day, zone)
    if moved <= now:
        return gone_by(new_time, day)
    return None


def has_begun(at: time, day: date) -> str:
    """Why the start at `at` on `day`, begun, cannot be cancelled or moved."""
    return _("%(time)s on %(day)s has begun: its date can no longer be cancelled or moved.") % {
        "time": f"{at:%H:%M}",
        "day": day,
    }


def gone_by(at: time, day: date) -> str:
    """Why a start at `at` on `day`, in the past, is refused."""
    return _("%(time)s on %(day)s has gone by.") % {"time": f"{at:%H:%M}", "day": day}


def _check_moved_start(*, listing: Listing, exception: ScheduleException) -> None:
    """ScheduleOverlap if the start `exception` moves (not saved yet) would overlap, in real
    time, another start of the listing that day: of its own schedule or another one, or an
    open date no rule makes."""
    zone = zone_or_utc(listing.time_zone)
    if exception.new_time is None:
        return  # not a move (check_exception refuses a move without one)
    moved = local_instant(exception.day, exception.new_time, zone)
    if moved is None:
        return  # in a DST gap: refused before (_check_new_time)
    minutes = listing.slot_minutes
    starts = starts_on(listing=listing, day=exception.day, extra=exception)
    for first, second in rules.overlapping_instants(starts, minutes):
        if moved in (first, second):
            message = _("%(a)s and %(b)s overlap: the listing lasts %(m)s minutes.") % {
                "a": f"{first.astimezone(zone):%H:%M}",
                "b": f"{second.astimezone(zone):%H:%M}",
                "m": minutes,
            }
            raise rules.ScheduleOverlap(message, fields={"new_time": [message]})
    # A date no rule makes (staff add one, or correct a rule's date's times) is not among the
    # rules' starts: the sync skipped the moved start beside it (_clear_of_other_groups), and
    # the date moved went for none.
    check_clear_of_dates_by_hand(listing=listing, starts=[moved], field="new_time")


def check_clear_of_dates_by_hand(
    *, listing: Listing, starts: Iterable[datetime], field: str | None
) -> None:
    """ScheduleOverlap (on `field`; None: on no field) if a group starting at one of `starts`
    would be out at the same time as an open date of the listing that no rule makes: the sync
    would make no date there (sync._clear_of_other_groups), and the change asking for one
    would be accepted for nothing."""
    zone, minutes = zone_or_utc(listing.time_zone), listing.slot_minutes
    duration = timedelta(minutes=minutes)
    for start in sorted(starts):
        by_hand = (
            Slot.objects.filter(
                listing=listing,
                schedule__isnull=True,
                status=Slot.Status.OPEN,
                starts_at__lt=start + duration,
                ends_at__gt=start,
            )
            .order_by("starts_at")
            .values_list("starts_at", flat=True)
            .first()
        )
        if by_hand is not None:
            pair = (min(start, by_hand), max(start, by_hand))
            raise overlap_refusal(pair, zone=zone, minutes=minutes, field=field)


def starts_on(
    *,
    listing: Listing,
    day: date,
    extra: ScheduleException | None = None,
    rule: Schedule | None = None,
    schedules: Iterable[Schedule] | None = None,
) -> list[datetime]:
    """Every instant a group of the listing starts at on its local `day`, from all its schedules
    with their exceptions, and `extra` (an exception not saved yet) as if it were; `rule` (not
    saved: a new rule, or a schedule's new values with its saved exceptions) in its place.
    `schedules`: the listing's, with their exceptions, read once by a caller asking for many
    days."""
    zone = zone_or_utc(listing.time_zone)
    starts: list[datetime] = []
    if schedules is None:
        schedules = Schedule.objects.filter(listing=listing).prefetch_related("exceptions")
    if rule is not None and rule.pk is None:
        starts += desired_starts(
            schedule=rule, exceptions={}, zone=zone, first_day=day, last_day=day
        )
    for schedule in schedules:
        exceptions = exceptions_of(schedule)
        if extra is not None and extra.schedule_id == schedule.pk:
            exceptions[(extra.day, extra.start_time)] = extra
        starts += desired_starts(
            schedule=rule if rule is not None and rule.pk == schedule.pk else schedule,
            exceptions=exceptions,
            zone=zone,
            first_day=day,
            last_day=day,
        )
    return starts


def check_moved_days(
    *,
    listing: Listing,
    now: datetime,
    field: str | None,
    rule: Schedule | None = None,
    day: date | None = None,
) -> None:
    """ScheduleOverlap (on `field`; None: on no field) if on a day of the listing where a start
    was moved, from its local today on, a moved start would overlap another start in real time,
    with `rule` as starts_on takes it (only its days are checked then: elsewhere nothing
    changes); only on `day` when given. Two starts that were not moved are the rules' business
    (check_schedule, check_duration; on the night clocks go forward the later one simply gets no
    slot, one_group_at_a_time)."""
    zone = zone_or_utc(listing.time_zone)
    minutes = listing.slot_minutes
    moves = ScheduleException.objects.filter(
        schedule__listing=listing,
        action=ScheduleException.Action.MOVE,
        day__gte=now.astimezone(zone).date(),
    )
    if day is not None:
        moves = moves.filter(day=day)
    moved: dict[date, set[datetime | None]] = {}
    for on, new_time in moves.values_list("day", "new_time"):
        moved.setdefault(on, set()).add(local_instant(on, new_time, zone) if new_time else None)
    if not moved:
        return
    schedules = list(Schedule.objects.filter(listing=listing).prefetch_related("exceptions"))
    for on in sorted(moved):
        if rule is not None and not rules.runs_on(rule, on):
            continue
        starts = starts_on(listing=listing, day=on, rule=rule, schedules=schedules)
        pairs = [
            pair
            for pair in rules.overlapping_instants(starts, minutes)
            if pair[0] in moved[on] or pair[1] in moved[on]
        ]
        if pairs:
            raise overlap_refusal(pairs[0], zone=zone, minutes=minutes, field=field)


def overlap_refusal(
    pair: tuple[datetime, datetime], *, zone: ZoneInfo, minutes: int, field: str | None
) -> rules.ScheduleOverlap:
    """The refusal of two starts of a listing closer than its duration, named on `field` (None:
    on no field, for a change that sends none)."""
    first, second = (start.astimezone(zone) for start in pair)
    message = _("%(a)s and %(b)s overlap: the listing lasts %(m)s minutes.") % {
        "a": f"{first:%Y-%m-%d %H:%M}",
        # Its day too when it is another: a group out past midnight, or for days.
        "b": f"{second:%H:%M}" if second.date() == first.date() else f"{second:%Y-%m-%d %H:%M}",
        "m": minutes,
    }
    return rules.ScheduleOverlap(message, fields={field: [message]} if field else None)
