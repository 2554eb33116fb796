"""The work a worker does for the bookings app after a change, from its outbox rows
(bookings.handlers): a hold or request lapsing at its time (`expire_booking`), a confirmation
announced (`announce_confirmation`), a reminder sent (`remind_guest`), the guests of dates whose
times moved told (`retime_bookings`). Each reads its bookings under their row locks, so that a
cancellation or a transfer under way is waited for, never overtaken."""

from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q

from outings.accounts.models import User
from outings.bookings import effects, retiming
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.services.core import lapse, locked
from outings.scheduling.models import Slot

Status = Booking.Status


@transaction.atomic
def retime_bookings(
    *,
    slot_ids: list[int],
    now: datetime,
    was_starts_at: Mapping[int, datetime] | None = None,
    last_booking: int | None = None,
    last_entry: int | None = None,
) -> int:
    """The times of these dates moved (their listing's duration changed their end; staff
    corrected their times in the admin): each active booking on them moves its version (a
    confirmed one's calendar event SEQUENCE) and its guest is told: a confirmed guest with the
    event at the new time; a guest holding seats (a waiting-list offer is held for hours) or
    waiting for the host's answer that the hold or request stands at the new time, with its
    deadline (one whose time ran out, not swept yet, is not told). A confirmed booking's
    reminder follows a moved start (effects.plan_reminder: once, and not for a start less than
    a day ahead). Whoever waits for a seat on them is told too, and keeps their place
    (retiming.waitlist_moved): they asked for seats at a time that is no longer the date's.
    `was_starts_at`: the start each date whose start moved had, so that its guests read the
    new start, not only a new end. `last_booking` and `last_entry`: the last booking and
    waiting-list entry made on them before they moved (scheduling's announce_retimed; None: no
    bound): one made after, at the new time (a hold that waited for the move), is not told of
    it. How many bookings were told."""
    active = Booking.objects.filter(slot_id__in=slot_ids, status__in=Booking.ACTIVE).exclude(
        status__in=Booking.PENDING, expires_at__lte=now
    )
    if last_booking is not None:
        active = active.filter(pk__lte=last_booking)
    for slot_id in slot_ids:
        # Any the move's transaction skipped, being changed at that moment.
        bring_deadlines_to_start(slot_id=slot_id)
    bookings = list(locked(active))
    Booking.objects.filter(pk__in=[booking.pk for booking in bookings]).update(
        version=F("version") + 1
    )
    for booking in bookings:
        booking.version += 1  # as the row is now
        # The mail's invite is rendered from the row, when it goes.
        retiming.retimed(booking, was_starts_at=(was_starts_at or {}).get(booking.slot_id))
        if booking.status == Status.CONFIRMED:
            # Reminded a day before the start as it is now (staff moved it), once.
            effects.plan_reminder(booking, now=now)
    # Locked after the bookings (the app's lock order): an entry offered seats or left at this
    # moment is read as it then is, and told by the offer or not at all.
    waiting = WaitlistEntry.objects.filter(
        slot_id__in=slot_ids, status=WaitlistEntry.Status.WAITING
    )
    if last_entry is not None:
        waiting = waiting.filter(pk__lte=last_entry)
    waiting = (
        waiting.select_for_update(of=("self",))
        .select_related("guest", "slot__listing")
        .order_by("id")
    )
    for entry in waiting:
        retiming.waitlist_moved(entry, was_starts_at=(was_starts_at or {}).get(entry.slot_id))
    return len(bookings)


@transaction.atomic
def bring_deadlines_to_start(*, slot_id: int) -> int:
    """The date's start moved earlier than the deadline of a hold or request on it (staff
    corrected it): it lapses at the new start, as one made now would (holds._lapses_at), so
    that every reader counts its seats free from then (Booking.status_at, seats left), and a
    new due row ends it then (the old one finds nothing to do). Call in the move's
    transaction, holding the date's row lock. Bookings come before the date in the app's lock
    order: one that another transaction holds at this moment (a confirm or a cancellation
    waiting for the date's row) is skipped, not waited for (it waits for us: a deadlock), and
    brought in line by the move's handler (retime_bookings). How many were brought: none for a
    date deleted since (the handler runs after the move: its waiting list left and its rule
    removed meanwhile; Slot.DoesNotExist, the message parked, until session 20)."""
    starts_at = Slot.objects.values_list("starts_at", flat=True).filter(pk=slot_id).first()
    if starts_at is None:
        return 0
    late = list(
        Booking.objects.filter(
            slot_id=slot_id, status__in=Booking.PENDING, expires_at__gt=starts_at
        )
        .select_for_update(skip_locked=True)
        .order_by("id")
    )
    Booking.objects.filter(pk__in=[booking.pk for booking in late]).update(expires_at=starts_at)
    for booking in late:
        booking.expires_at = starts_at
        effects.pending(booking)
    return len(late)


@transaction.atomic
def expire_booking(*, booking_id: int, now: datetime) -> bool:
    """The due outbox row's work: lapse the booking if it is still pending and its time has
    come. Idempotent: False when there was nothing to do."""
    booking = locked(
        Booking.objects.filter(pk=booking_id, status__in=Booking.PENDING, expires_at__lte=now)
    ).first()
    if booking is None:
        return False
    lapse(booking, now=now)
    return True


@transaction.atomic
def remind_guest(*, booking_id: int, planned: datetime, now: datetime) -> bool:
    """The `bookings.remind` due row's work: mail the reminder to whoever holds the booking,
    if it is still confirmed and its date still starts at `planned` (a moved date plans its own,
    effects.plan_reminder) and has not begun, once for that start: the booking's `reminder_for`
    names the start a reminder is due for and is cleared when it is written, and `reminded_for`
    then names the start whose reminder was written. A date moved away and back has two rows
    for its start (the one planned first and the move back's); the second finds the first
    written. A row for a start with nothing planned on the booking was planned by code from
    before bookings.0007 (a worker of that release running on): it goes, once. Read under the
    booking's lock: a cancellation or a transfer under way is waited for, so the reminder never
    follows a cancellation's mail nor goes to a guest who just handed the booking on. The mail
    is held to the booking as it is now (effects.send_booking_mail): a move, a cancellation or
    a transfer before it went skips it, and so does the date's start. False when nothing was
    written."""
    list(Booking.objects.select_for_update().filter(pk=booking_id).values_list("pk", flat=True))
    # Planned for this start (`reminder_for`), or by code that does not fill `reminder_for` (a
    # worker of a release from before bookings.0007, still running after this one migrated):
    # then nothing is planned on the booking, and it goes unless this start's was written
    # (`reminded_for`). It was skipped: the guest got no reminder (until session 19).
    due = Q(reminder_for=planned) | (Q(reminder_for__isnull=True) & ~Q(reminded_for=planned))
    booking = (
        Booking.objects.select_related("slot", "listing", "guest")
        .filter(pk=booking_id, status=Status.CONFIRMED, slot__starts_at=planned)
        .filter(due, slot__starts_at__gt=now)
        .first()
    )
    if booking is None:
        return False
    # "Coming up soon" holds until the date begins: a mail held up past that is not sent.
    effects.send_booking_mail(
        booking, template="booking_reminder", to=booking.guest, until=booking.slot.starts_at
    )
    Booking.objects.filter(pk=booking.pk).update(reminder_for=None, reminded_for=planned)
    return True


@transaction.atomic
def announce_confirmation(*, booking_id: int, guest: User, at: datetime) -> bool:
    """The `bookings.confirmed` outbox row's work: tell the guest who confirmed, the host and the
    statistics, and plan the reminder (effects.announce_confirmed), under the booking's lock and
    only if it is still confirmed. A booking cancelled before the worker got here was told of
    its cancellation by the cancelling transaction, and that must stay the last word; a
    cancellation under way waits for this lock, so its mails follow these. False when there
    was nothing to announce."""
    booking = locked(Booking.objects.filter(pk=booking_id, status=Status.CONFIRMED)).first()
    if booking is None:
        return False
    effects.announce_confirmed(booking, guest=guest, at=at)
    return True
