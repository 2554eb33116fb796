"""The moves every booking path shares: creating a booking on seats just taken, ending one (which
releases its seats and offers them to the waiting list), and lapsing expired holds.

Contract: call inside a transaction. Lock order is booking rows (by id), then the slot row, then
waitlist entries (by id); ending a booking requires holding its row lock.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from outings.accounts.models import User
from outings.bookings import effects
from outings.bookings.models import Booking, BookingEvent, Transfer, WaitlistEntry
from outings.bookings.services.seats import release_seats, take_seats
from outings.catalog.models import Listing
from outings.common.rows import Insert
from outings.scheduling.models import Slot

Status = Booking.Status
# Every hold and confirm writes these rows: their INSERTs are written once (outings/common/rows.py).
_insert_booking, _insert_event = Insert(Booking), Insert(BookingEvent)
# A key share, which the ORM cannot ask for (start_locked).
_START_SQL = f"SELECT starts_at FROM {Slot._meta.db_table} WHERE id = %s FOR KEY SHARE"  # noqa: S608


def record(
    booking: Booking, *, actor: User | None, action: str, was: str, at: datetime, note: str = ""
) -> None:
    _insert_event(
        BookingEvent(
            booking=booking,
            actor=actor,
            action=action,
            from_status=was,
            to_status=booking.status,
            note=note,
            created_at=at,
        )
    )


def new_booking(
    *,
    slot: Slot,
    guest: User,
    seats: int,
    status: str,
    expires_at: datetime,
    now: datetime,
    form_token: str | None = None,
    waitlist_entry: WaitlistEntry | None = None,
) -> Booking:
    """The booking row for seats the caller has just taken on `slot` (its listing loaded). Price
    and policy are copied from the listing as they are now."""
    listing = slot.listing
    return _insert_booking(
        Booking(
            slot=slot,
            listing=listing,
            guest=guest,
            seats=seats,
            status=status,
            expires_at=expires_at,
            unit_price=listing.price_amount,
            total_price=listing.price_amount * seats,
            currency=listing.currency,
            cancellation_policy=listing.cancellation_policy,
            payment_provider=settings.BOOKINGS_PAYMENT_PROVIDER,
            form_token=form_token or "",
            waitlist_entry=waitlist_entry,
            created_at=now,
        )
    )


def locked(bookings: QuerySet[Booking], *, nowait: bool = False) -> QuerySet[Booking]:
    """Lock the bookings (and only them, not their joined rows) in id order; with `nowait`, a
    booking another transaction holds raises OperationalError at once instead of waiting.

    Joins only rows a booking never changes its link to (its date, its listing and host): a
    booking waited for is re-checked against the rows joined before the wait, so a join to its
    guest dropped a booking handed on meanwhile from the result, as if it did not exist. Its
    guest is read when needed, after the lock."""
    return (
        bookings.select_for_update(of=("self",), nowait=nowait)
        .select_related("slot", "listing__host__user")
        .order_by("id")
    )


def start_locked(*, slot_id: int) -> datetime:
    """The date's start as committed, holding a key share of its row until the caller commits.
    Staff moving its start and its host cancelling it lock the row FOR UPDATE: this reads what
    they committed, and they wait for the caller, so that a booking is never confirmed, nor
    cancelled, at a start that stopped being true meanwhile (the booking's own read joins the
    date as it was before they committed). A key share lets holds take seats meanwhile (the
    seat UPDATE locks FOR NO KEY UPDATE). Call holding the booking's row lock (the app's lock
    order: bookings, then the date)."""
    with connection.cursor() as cursor:
        cursor.execute(_START_SQL, [slot_id])
        (starts_at,) = cursor.fetchone()
    return starts_at  # type: ignore[no-any-return]


def end_booking(
    booking: Booking,
    *,
    status: str,
    by: str,
    actor: User | None,
    now: datetime,
    reason: str = "",
    refund_due: int | None = None,
    offer_seats: bool = True,
    tell_host: bool = True,
) -> int:
    """End an active booking the caller holds locked: release its seats, close what hangs on it
    (its waitlist offer, a pending transfer), tell whoever must hear, and offer the freed seats
    to the waiting list. Returns the slot's seats left afterwards. `tell_host` false: the host
    hears of the whole date instead (effects.slot_cancelled)."""
    was = booking.status
    booking.status = status
    booking.ended_at = now
    booking.cancelled_by = by if status == Status.CANCELLED else ""
    booking.cancel_reason = reason
    booking.refund_due = refund_due
    booking.version += 1
    booking.save(
        update_fields=[
            "status",
            "ended_at",
            "cancelled_by",
            "cancel_reason",
            "refund_due",
            "version",
        ]
    )
    record(booking, actor=actor, action=status, was=was, at=now, note=reason)
    seats_left = release_seats(slot_id=booking.slot_id, seats=booking.seats)
    if booking.waitlist_entry_id is not None and was != Status.CONFIRMED:
        WaitlistEntry.objects.filter(
            pk=booking.waitlist_entry_id, status=WaitlistEntry.Status.OFFERED
        ).update(status=WaitlistEntry.Status.LAPSED, updated_at=now)
    Transfer.objects.filter(booking=booking, status=Transfer.Status.PENDING).update(
        status=Transfer.Status.WITHDRAWN, decided_at=now
    )
    effects.ended(booking, was=was, by=by, tell_host=tell_host)
    if offer_seats:
        seats_left = offer_freed_seats(slot=booking.slot, seats_left=seats_left, now=now)
    return seats_left


def offer_freed_seats(*, slot: Slot, seats_left: int, now: datetime) -> int:
    """Give freed seats to the waiting list: each waiting entry of a guest who can sign in, first
    come first served, that fits in what is left gets all its seats as a hold with a deadline,
    never part of them, if the listing is public. Returns the seats left after the offers."""
    if seats_left <= 0 or slot.status != Slot.Status.OPEN or slot.starts_at <= now:
        return seats_left
    # The entries only (`of`): without it their guests' user rows were locked too, FOR UPDATE,
    # so a guest's profile edit held up the cancellation that freed the seats, and two such
    # offers could lock the same two guests in opposite orders. Not a guest staff set inactive:
    # nobody could confirm that offer, and whoever waited next was passed over until it lapsed
    # (the entry keeps its place, should the account come back).
    waiting = list(
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("guest")
        .filter(
            slot=slot,
            status=WaitlistEntry.Status.WAITING,
            seats__lte=seats_left,
            guest__is_active=True,
        )
        .order_by("id")
    )
    if not waiting or not Listing.objects.public().filter(pk=slot.listing_id).exists():
        # An offer is a new booking: none while the listing is paused or its host suspended.
        # The seats go to the list when it is bookable again (offer_to_waiting_lists).
        return seats_left
    for entry in waiting:
        if entry.seats > seats_left:
            continue
        taken = take_seats(slot_id=slot.pk, seats=entry.seats, now=now)
        if taken is None:
            break  # the slot filled meanwhile
        seats_left = taken.left
        # The date as the seat UPDATE read it under its row lock: `slot` was read with the
        # booking that freed the seats, maybe before staff moved its start. The offer lapses
        # at that start at the latest, and its notice gives it.
        slot.starts_at, slot.ends_at = taken.starts_at, taken.ends_at
        deadline = min(
            now + timedelta(minutes=settings.BOOKINGS_WAITLIST_OFFER_MINUTES), taken.starts_at
        )
        entry.status = WaitlistEntry.Status.OFFERED
        entry.updated_at = now
        entry.save(update_fields=["status", "updated_at"])
        booking = new_booking(
            slot=slot,
            guest=entry.guest,
            seats=entry.seats,
            status=Status.HELD,
            expires_at=deadline,
            now=now,
            waitlist_entry=entry,
        )
        record(booking, actor=None, action="waitlist_offer", was="", at=now)
        effects.pending(booking)
        effects.waitlist_offered(booking)
        if seats_left == 0:
            break
    return seats_left


def release_expired(*, slot_id: int, now: datetime, offer_seats: bool = True) -> int:
    """Lapse the holds and requests on the slot whose time ran out (the sweep's work, done now
    because someone needs the seats). Holds being confirmed at this moment are skipped, not
    waited for, so a caller already holding the slot's lock may call it too. Returns the seats
    freed. `offer_seats` false: the caller offers what stays free to the waiting list itself
    (a capacity change, once it has set the new capacity)."""
    lapsed = Booking.objects.filter(
        slot_id=slot_id, status__in=Booking.PENDING, expires_at__lte=now
    )
    if not lapsed.exists():
        return 0  # the usual answer on a full date: a cheap probe instead of the locking read
    expired = locked(lapsed).select_for_update(of=("self",), skip_locked=True)
    freed = 0
    for booking in expired:
        lapse(booking, now=now, offer_seats=offer_seats)
        freed += booking.seats
    return freed


def lapse(booking: Booking, *, now: datetime, offer_seats: bool = True) -> None:
    """End a locked, pending booking whose time ran out: a hold expires, a request the host left
    unanswered is declined."""
    status = Status.EXPIRED if booking.status == Status.HELD else Status.DECLINED
    end_booking(
        booking,
        status=status,
        by=Booking.Party.SYSTEM,
        actor=None,
        now=now,
        offer_seats=offer_seats,
    )
