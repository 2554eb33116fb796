"""Hold, then confirm: a guest's seats are taken at once and kept for a while; the guest (or, for a
listing that takes requests, its host) then confirms them. A hold nobody confirms lapses at
expires_at: the due outbox row ends it (followups.expire_booking), and every read counts it as free
from that moment."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from outings.accounts.models import HostProfile, User
from outings.bookings import effects
from outings.bookings.errors import (
    HoldExpired,
    InvalidBooking,
    InvalidBookingState,
    SlotFull,
    SlotUnavailable,
)
from outings.bookings.models import TOO_FEW_GUESTS, Booking, BookingEvent, WaitlistEntry
from outings.bookings.payments import PaymentDeclined, provider
from outings.bookings.services.core import (
    end_booking,
    locked,
    new_booking,
    record,
    release_expired,
    start_locked,
)
from outings.bookings.services.seats import release_seats, take_seats
from outings.catalog.models import MAX_SEATS as MAX_SEATS  # read here by the booking forms and API
from outings.catalog.models import Listing
from outings.catalog.services import ensure_active
from outings.common.errors import DomainError, NotFound
from outings.common.formtokens import FORM_TOKEN_MAX as FORM_TOKEN_MAX  # read by the forms
from outings.common.rows import Columns, attach
from outings.scheduling.models import Slot

Status = Booking.Status
Closed = Literal["cancelled", "started"]  # why a date can no longer be booked (closed_date)


class PaymentFailed(DomainError):
    code = "payment_declined"
    status_code = 402
    message = gettext_noop("The payment was declined; your seats stay held until the hold expires.")


# The statements of every hold and confirm, written once (outings/common/rows.py): compiling
# their querysets cost more CPU than running them. The listing's columns are those a hold, a
# confirm and their answer read (others load on access); not its texts or search document.
_SLOT, _BOOKING = Columns(Slot, "s"), Columns(Booking, "b")
_LISTING = Columns(
    Listing,
    "l",
    only=(
        "host", "status", "title", "time_zone", "instant_booking", "min_group_size",
        "max_group_size", "min_guests", "price_amount", "currency", "cancellation_policy",
    ),
)  # fmt: skip
_HOST = Columns(HostProfile, "h", only=("user", "suspended_at"))
_JOINS = f"""
    JOIN {_LISTING.table} l ON l.id = s.listing_id JOIN {_HOST.table} h ON h.id = l.host_id
"""
_BOOKABLE_SQL = f"""
    SELECT {_SLOT.sql}, {_LISTING.sql}, {_HOST.sql} FROM {_SLOT.table} s {_JOINS}
    WHERE s.id = %s
"""  # noqa: S608 - tables and columns from the models, values as parameters
# Its last column: whether the guest waits on the booking's date since before the booking was
# made (_confirm ends that waiting; an entry joined after it asks for more seats),
# probed through waitlist_one_open_entry in the statement the confirm sends anyway.
_GUESTS_BOOKING_SQL = f"""
    SELECT {_BOOKING.sql}, {_SLOT.sql}, {_LISTING.sql}, {_HOST.sql}, EXISTS (
        SELECT 1 FROM {WaitlistEntry._meta.db_table} w
        WHERE w.slot_id = b.slot_id AND w.guest_id = b.guest_id AND w.status = 'waiting'
          AND w.created_at < b.created_at
    )
    FROM {_BOOKING.table} b JOIN {_SLOT.table} s ON s.id = b.slot_id {_JOINS}
    WHERE b.guest_id = %s AND b.reference = %s
    FOR UPDATE OF b FOR KEY SHARE OF s
"""  # noqa: S608 - tables and columns from the models, values as parameters


def _slot_with_listing(row: Sequence[Any], start: int = 0) -> Slot:
    slot = _SLOT.load(row, start)
    listing = _LISTING.load(row, start + _SLOT.width)
    attach(listing, "host", _HOST.load(row, start + _SLOT.width + _LISTING.width))
    attach(slot, "listing", listing)
    return slot


def bookable_slot(*, slot_id: int, now: datetime) -> Slot:
    """The slot with its listing, if a guest may book it now: NotFound for a slot of a listing
    that is not public, SlotUnavailable for one that is cancelled or has started."""
    # Listing.is_public on the rows the join brings anyway: filtering by public() instead costs
    # a third more CPU (the ORM compiles its subquery on every call).
    with connection.cursor() as cursor:
        cursor.execute(_BOOKABLE_SQL, [slot_id])
        row = cursor.fetchone()
    slot = None if row is None else _slot_with_listing(row)
    if slot is None or not slot.listing.is_public:
        raise NotFound(_("There is no such date."))
    if slot.status != Slot.Status.OPEN or slot.starts_at <= now:
        raise SlotUnavailable(_("This date has started or was cancelled; pick another."))
    return slot


def group_sizes(listing: Listing) -> tuple[int, int]:
    """The smallest and the largest group one booking of `listing` takes: the listing's own,
    and never more than MAX_SEATS, whatever the listing allows."""
    return max(1, listing.min_group_size), min(listing.max_group_size, MAX_SEATS)


def check_seats(listing: Listing, seats: int, *, capacity: int) -> None:
    """InvalidBooking unless `seats` is a group size the listing takes."""
    low, high = group_sizes(listing)
    if isinstance(seats, bool) or not low <= seats <= high:
        raise InvalidBooking(
            fields={"seats": [_("From %(low)s to %(high)s seats.") % {"low": low, "high": high}]}
        )
    if seats > capacity:
        raise InvalidBooking(
            fields={
                "seats": [
                    ngettext(
                        "This date has %(n)s seat in all.",
                        "This date has %(n)s seats in all.",
                        capacity,
                    )
                    % {"n": capacity}
                ]
            }
        )


@transaction.atomic
def hold_seats(
    *, guest: User, slot_id: int, seats: int, now: datetime, form_token: str | None = None
) -> Booking:
    """Take `seats` on a slot for the guest: a hold for BOOKINGS_HOLD_MINUTES, or for a listing
    without instant booking a request the host answers within BOOKINGS_REQUEST_HOURS. Safe under
    any concurrency: one conditional UPDATE checks and takes the seats. When the slot looks full,
    lapsed holds on it are released first (on-read expiry), then it tries once more.

    `form_token` (the web form's one-time token) makes a repeated submission return the first
    booking instead of booking again, even when it asks for another date or number of seats (a
    page restored with the Back button): the caller compares and tells the guest."""
    if form_token is not None and not 1 <= len(form_token) <= FORM_TOKEN_MAX:
        raise InvalidBooking(fields={"form_token": [_("Reload the page and try again.")]})
    slot = bookable_slot(slot_id=slot_id, now=now)
    listing = slot.listing
    check_seats(listing, seats, capacity=slot.capacity)
    if listing.host.user_id == guest.pk:
        raise InvalidBooking(_("You cannot book your own listing."))
    existing = _booked_with(guest=guest, form_token=form_token)
    if existing is not None:
        return existing
    taken = take_seats(slot_id=slot.pk, seats=seats, now=now)
    if taken is None and release_expired(slot_id=slot.pk, now=now):
        taken = take_seats(slot_id=slot.pk, seats=seats, now=now)
    if taken is None:
        # A double click on the last seats: this submission waited for the slot's row lock
        # while the first one took them, and finds the slot full once it commits. Looking the
        # token up again now (a new snapshot) finds the first booking; answer with it.
        existing = _booked_with(guest=guest, form_token=form_token)
        if existing is not None:
            return existing
        closed = _closed_meanwhile(slot_id=slot.pk, now=now)
        if closed is not None:
            raise unavailable(closed)
        raise SlotFull(
            _("Not enough seats are left on this date for %(n)s.") % {"n": seats},
            fields={"seats": [_("Not enough seats left.")]},
        )
    instant = listing.instant_booking
    # The date as the seat UPDATE found it under its row lock: staff moving its start
    # committed while this hold waited for it (the read above is from before), and its deadline
    # must not be after the start as it now is.
    slot.starts_at, slot.ends_at = taken.starts_at, taken.ends_at

    def create() -> Booking:
        return new_booking(
            slot=slot,
            guest=guest,
            seats=seats,
            status=Status.HELD if instant else Status.REQUESTED,
            expires_at=_lapses_at(slot, instant=instant, now=now),
            now=now,
            form_token=form_token,
        )

    if form_token is None:
        booking = create()
    else:
        try:
            with transaction.atomic():
                booking = create()
        except IntegrityError:
            # The same form was submitted twice at once and the other submission won: give the
            # seats back and answer with its booking.
            release_seats(slot_id=slot.pk, seats=seats)
            return Booking.objects.get(guest=guest, form_token=form_token)
    record(booking, actor=guest, action="held" if instant else "requested", was="", at=now)
    effects.pending(booking)
    if not instant:
        effects.requested(booking)
    return booking


def _booked_with(*, guest: User, form_token: str | None) -> Booking | None:
    """The guest's booking made by the form with this one-time token, if any."""
    if form_token is None:
        return None
    return Booking.objects.filter(guest=guest, form_token=form_token).first()


@transaction.atomic
def confirm_booking(*, guest: User, reference: str, now: datetime) -> Booking:
    """Confirm the guest's hold. Confirming twice returns the confirmed booking, and a
    waiting-list offer already sent to the host as a request returns that request. A hold that
    lapsed re-takes its seats if they are still free, else HoldExpired."""
    found = _guests_booking_locked(guest=guest, reference=reference)
    if found is None:
        raise NotFound(_("There is no such booking."))
    booking, waits = found
    if booking.status == Status.CONFIRMED:
        return booking
    if booking.status_at(now) == Status.DECLINED and booking.status == Status.REQUESTED:
        # Lapsed unanswered, though the sweep has not recorded it yet (Booking.status_at).
        raise InvalidBookingState(_("The host did not answer your request in time; it lapsed."))
    if booking.status == Status.REQUESTED and booking.waitlist_entry_id is not None:
        # The guest's yes to an offer on a listing by request was sent (_request_offered): a
        # second press (a double click, Back) gets the first one's answer, as a confirmed
        # booking's does. It answered "not answered yet", the page a double click shows.
        return booking
    if booking.status == Status.REQUESTED:
        raise InvalidBookingState(_("The host has not answered your request yet."))
    if booking.status in (Status.HELD, Status.EXPIRED) and booking.slot.starts_at <= now:
        # A hold lapses when its date starts at the latest, swept or not.
        raise HoldExpired(_("This date has started; the hold lapsed."))
    if booking.status_at(now) == Status.EXPIRED and not booking.listing.is_public:
        # Confirming a lapsed hold books anew (its seats taken again), as a hold would: none
        # while the listing is paused or its host suspended (bookable_slot). A hold still
        # running is a booking already made, and stands.
        raise HoldExpired(_("This listing is not taking bookings now; the hold lapsed."))
    if booking.status == Status.EXPIRED:
        if take_seats(slot_id=booking.slot_id, seats=booking.seats, now=now) is None:
            raise HoldExpired(_not_taken_again(slot_id=booking.slot_id, now=now))
    elif booking.status != Status.HELD:
        raise _ended(booking)
    elif (
        booking.expires_at is not None
        and booking.expires_at <= now
        # A lapsed hold nobody swept yet: every read has counted its seats as free since it
        # lapsed. Writing its slot moves the catalogue version, so that cached searches and
        # ETags stop showing them free. Only an open date's: a change of the host's dates
        # counts such a hold as nothing too, and may have taken its date off sale (retired,
        # scheduling.services.sync.retire), whose seats then stay for the sweep to give back;
        # confirmed, it was a booking of a cancelled date (session 22). The write waits for
        # such a change's lock on the date, and reads the status it committed.
        and not Slot.objects.filter(pk=booking.slot_id, status=Slot.Status.OPEN).update(
            seats_taken=F("seats_taken")
        )
    ):
        raise HoldExpired(_not_taken_again(slot_id=booking.slot_id, now=now))
    if booking.waitlist_entry_id is not None and not booking.listing.instant_booking:
        return _request_offered(booking, guest=guest, now=now)
    return _confirm(booking, actor=guest, now=now, guest_waits=waits)


def _ended(booking: Booking) -> InvalidBookingState:
    """The refusal to confirm a booking that is over, naming how it ended."""
    if booking.status == Status.DECLINED:
        # The host answers before the deadline (_check_in_time); the sweep declines at it or
        # after. Neither records a party (cancelled_by is for cancellations).
        deadline, ended = booking.expires_at, booking.ended_at
        if deadline is not None and ended is not None and deadline <= ended:
            return InvalidBookingState(
                _("The host did not answer your request in time; it lapsed.")
            )
        return InvalidBookingState(_("The host declined this request."))
    return InvalidBookingState(_("This booking was cancelled."))


def _not_taken_again(*, slot_id: int, now: datetime) -> str | None:
    """Why a lapsed hold's seats could not be taken again: its date was cancelled or has started
    (_closed_meanwhile), or else (None: HoldExpired's own message) they went to someone else."""
    closed = _closed_meanwhile(slot_id=slot_id, now=now)
    if closed == "cancelled":
        return _("This date was cancelled; the hold lapsed.")
    if closed is not None:
        return _("This date has started; the hold lapsed.")
    return None


def _closed_meanwhile(*, slot_id: int, now: datetime) -> Closed | None:
    """After the seat UPDATE refused: whether the date is cancelled or has started, or None
    (its seats are taken). That UPDATE's guard is the only
    check of the date made under its row lock, where the host cancelling it or staff moving its
    start may have just committed; the date the caller loaded is from before that lock, so it
    is read again (a new statement: it sees that commit). Read only on a refusal: a hold or a
    confirm that takes its seats reads the date once. A date no longer there was removed with
    its rule while the hold waited for its row (the removal deletes the unbooked dates to
    come): "cancelled" too, as it is for the guest (it was Slot.DoesNotExist, a 500, until
    session 18)."""
    row = Slot.objects.filter(pk=slot_id).values_list("status", "starts_at").first()
    if row is None:
        return "cancelled"
    status, starts_at = row
    return closed_date(status=status, starts_at=starts_at, now=now)


def closed_date(*, status: str, starts_at: datetime, now: datetime) -> Closed | None:
    """Whether a date with this status and start is cancelled or has started at `now`."""
    if status != Slot.Status.OPEN:
        return "cancelled"
    if starts_at <= now:
        return "started"
    return None


def unavailable(closed: Closed) -> SlotUnavailable:
    """The refusal of a date found closed under its row lock, saying which."""
    if closed == "cancelled":
        return SlotUnavailable(_("This date was cancelled; pick another."))
    return SlotUnavailable(_("This date has started; pick another."))


def _lapses_at(slot: Slot, *, instant: bool, now: datetime) -> datetime:
    """When a hold (instant booking) or a request made now lapses: never after the start."""
    wait = (
        timedelta(minutes=settings.BOOKINGS_HOLD_MINUTES)
        if instant
        else timedelta(hours=settings.BOOKINGS_REQUEST_HOURS)
    )
    return min(now + wait, slot.starts_at)


def _request_offered(booking: Booking, *, guest: User, now: datetime) -> Booking:
    """A waiting-list offer on a listing that takes requests: the guest's yes makes it a request
    the host answers, as every booking there is. It keeps its seats and lapses like a request."""
    was = booking.status
    booking.status = Status.REQUESTED
    booking.ended_at = None  # an offer that lapsed, taken in time after all
    booking.expires_at = _lapses_at(booking.slot, instant=False, now=now)
    booking.version += 1
    booking.save(update_fields=["status", "ended_at", "expires_at", "version"])
    # An offer that lapsed and is taken in time after all is the entry's open offer again, so
    # that leaving the list withdraws it (the entry was marked lapsed when the offer lapsed);
    # unless the guest joined the list again meanwhile (one open entry per guest and date):
    # that entry stays theirs, waiting, and the request stands on its own. In one statement;
    # a join at this moment waits for the date's row, which the seats taken again hold.
    open_again = WaitlistEntry.objects.filter(
        slot_id=booking.slot_id,
        guest_id=booking.guest_id,
        status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED),
    ).exclude(pk=OuterRef("pk"))
    WaitlistEntry.objects.filter(offer=booking).exclude(Exists(open_again)).update(
        status=WaitlistEntry.Status.OFFERED, updated_at=now
    )
    record(booking, actor=guest, action="requested", was=was, at=now)
    effects.pending(booking)
    effects.requested(booking)
    return booking


def _guests_booking_locked(*, guest: User, reference: str) -> tuple[Booking, bool] | None:
    """The guest's booking with its slot and listing, its row locked (`locked`, written once),
    and a key share of its date's row, as core.start_locked takes one: the date is read as
    the host cancelling it or staff moving its start committed it (a confirm read it before
    them, and confirmed a hold on a date that had begun), and they wait for the confirm. In the
    one statement the confirm sent anyway, with whether the guest waits on that date (a
    waiting-list entry: _confirm ends it)."""
    with connection.cursor() as cursor:
        cursor.execute(_GUESTS_BOOKING_SQL, [guest.pk, reference])
        row = cursor.fetchone()
    if row is None:
        return None
    booking, slot = _BOOKING.load(row), _slot_with_listing(row, _BOOKING.width)
    attach(booking, "slot", slot)
    attach(booking, "listing", slot.listing)
    attach(booking, "guest", guest)
    return booking, bool(row[-1])


def _confirm(booking: Booking, *, actor: User, now: datetime, guest_waits: bool) -> Booking:
    """Confirm the locked booking. Its guest's waiting on its date ends with it (`guest_waits`:
    whether they have a waiting entry there, read with the booking's lock): the entry of a
    waiting-list offer, and an entry of theirs still waiting from before the booking was made,
    are booked (one they joined after it, holding seats already, asks for more). A guest
    waiting for more seats than they booked is no exception: an entry is one group, offered all
    its seats or none, so kept it would offer them a second group's worth beside the one
    booked; they may join again for the seats they still want. An offer already made to the
    entry stands (it is a booking of its own, theirs to take or let lapse), as after a
    transfer."""
    try:
        payment = provider(booking.payment_provider).confirm(booking=booking)
    except PaymentDeclined as exc:
        raise PaymentFailed() from exc
    was = booking.status
    booking.status = Status.CONFIRMED
    booking.confirmed_at = now
    booking.ended_at = None  # a lapsed hold confirmed in time after all
    booking.expires_at = None  # nothing lapses any more
    booking.payment_reference = payment.reference
    booking.version += 1
    booking.save(
        update_fields=[
            "status",
            "confirmed_at",
            "ended_at",
            "expires_at",
            "payment_reference",
            "version",
        ]
    )
    record(booking, actor=actor, action="confirmed", was=was, at=now)
    # The slot (tell_if_on's lock) before the waiting-list entry: the app's lock order.
    tell_if_on(slot_id=booking.slot_id, minimum=booking.listing.min_guests, now=now)
    if booking.waitlist_entry_id is not None or guest_waits:
        # One statement, and none for a guest who waits for nothing there (the hot path).
        entries = Q(pk=booking.waitlist_entry_id)
        if guest_waits:
            entries |= Q(
                slot_id=booking.slot_id,
                guest_id=booking.guest_id,
                status=WaitlistEntry.Status.WAITING,
                created_at__lt=booking.created_at,
            )
        WaitlistEntry.objects.filter(entries).update(
            status=WaitlistEntry.Status.BOOKED, updated_at=now
        )
    effects.confirmed(booking, now=now)
    return booking


def tell_if_on(*, slot_id: int, minimum: int, now: datetime) -> None:
    """When a date's confirmed seats reach its listing's minimum of guests, tell each confirmed
    guest not told yet that it is on: everyone the first time, then whoever books later, also
    after the date fell below its minimum and reached it again. Locks the slot before counting
    (after the caller's booking: the app's lock order), so that two confirmations at once count
    each other: the second counts once the first committed. A booking that another transaction
    holds locked at this moment is skipped rather than waited for (waiting, with the slot held,
    could deadlock with a cancellation); it is told at the next confirmation or at the cut-off
    (decide_minimum). Before the cut-off decided the date, they are told that it has enough
    guests so far, and that cancellations taking it below `minimum` by the cut-off still
    cancel it (effects.minimum_met): "it will take place" was a promise the cut-off broke."""
    if minimum < 1:
        return
    # FOR NO KEY UPDATE: it passes the key share every confirm holds on its date (FOR UPDATE
    # would wait for another confirm's, which would wait for this one's: a deadlock), and two
    # of them still wait for each other.
    list(
        Slot.objects.select_for_update(no_key=True).filter(pk=slot_id).values_list("pk", flat=True)
    )
    confirmed = Booking.objects.filter(slot_id=slot_id, status=Status.CONFIRMED)
    if (confirmed.aggregate(n=Sum("seats"))["n"] or 0) < minimum:
        return
    untold = list(
        confirmed.filter(told_on_at__isnull=True)
        .select_related("guest", "listing", "slot")
        .select_for_update(of=("self",), skip_locked=True)
        .order_by("id")
    )
    if not untold:
        return
    Booking.objects.filter(pk__in=[booking.pk for booking in untold]).update(told_on_at=now)
    Slot.objects.filter(pk=slot_id, minimum_met_at__isnull=True).update(minimum_met_at=now)
    effects.minimum_met(untold[0].slot, untold, minimum=minimum)


def _hosts_request(*, host: HostProfile, reference: str, now: datetime) -> Booking:
    """The host's request, locked, annotated `guest_waits` (whether its guest has a waiting
    entry on its date: _confirm ends it)."""
    waiting = WaitlistEntry.objects.filter(
        slot_id=OuterRef("slot_id"),
        guest_id=OuterRef("guest_id"),
        status=WaitlistEntry.Status.WAITING,
        created_at__lt=OuterRef("created_at"),
    )
    booking = (
        locked(Booking.objects.filter(listing__host=host, reference=reference))
        .annotate(guest_waits=Exists(waiting))
        .first()
    )
    if booking is None:
        raise NotFound(_("There is no such booking."))
    if booking.status != Status.REQUESTED:
        raise _not_waiting(booking, now=now)
    return booking


def _not_waiting(booking: Booking, *, now: datetime) -> DomainError:
    """The refusal of a host's answer to a locked booking that is not a request, saying what it
    is instead (it said "not waiting for your answer", whatever had become of it). A request
    the sweep declined at its deadline is refused as one not swept yet is (_check_in_time)."""
    status = booking.status_at(now)
    if status == Status.CONFIRMED:
        return InvalidBookingState(_("This booking is already confirmed."))
    if status == Status.HELD:
        return InvalidBookingState(_("This is a hold the guest has not confirmed yet."))
    if status == Status.EXPIRED:
        return InvalidBookingState(_("The guest did not confirm this hold in time."))
    if status == Status.DECLINED:
        deadline, ended = booking.expires_at, booking.ended_at
        if deadline is not None and ended is not None and deadline <= ended:
            if booking.slot.starts_at <= now:
                return HoldExpired(_("This date has started; the request lapsed."))
            return HoldExpired(_("The request lapsed; the guest may ask again."))
        return InvalidBookingState(_("You declined this request."))
    return _cancelled(booking)


def _cancelled(booking: Booking) -> InvalidBookingState:
    """The refusal of a host's answer to a cancelled booking, naming who cancelled it."""
    by = booking.cancelled_by
    if by == Booking.Party.GUEST:
        # What the guest ended, from the booking's history (one statement, on this refusal).
        was = (
            BookingEvent.objects.filter(booking=booking, to_status=Status.CANCELLED)
            .values_list("from_status", flat=True)
            .last()
        )
        if was == Status.REQUESTED:
            return InvalidBookingState(_("The guest withdrew this request."))
        if was == Status.HELD:
            return InvalidBookingState(_("The guest cancelled this hold."))
        return InvalidBookingState(_("The guest cancelled this booking."))
    if by == Booking.Party.HOST:
        return InvalidBookingState(_("You cancelled this booking."))
    if by == Booking.Party.STAFF:
        return InvalidBookingState(_("Our team cancelled this booking."))
    if booking.cancel_reason == TOO_FEW_GUESTS:
        return InvalidBookingState(
            _("This date was cancelled: not enough guests booked for it to take place.")
        )
    return InvalidBookingState(_("This booking was cancelled."))


@transaction.atomic
def accept_request(*, host: HostProfile, reference: str, now: datetime) -> Booking:
    """The host accepts a booking request on one of their listings, before it lapses."""
    ensure_active(host)
    booking = _hosts_request(host=host, reference=reference, now=now)
    _check_in_time(booking, now=now)
    waits = bool(booking.guest_waits)  # type: ignore[attr-defined] # _hosts_request's annotation
    return _confirm(booking, actor=host.user, now=now, guest_waits=waits)


def _check_in_time(booking: Booking, *, now: datetime) -> None:
    """HoldExpired unless the host answers the locked request in time. A request lapses at its
    date's start at the latest, as a hold does; the start first, read under a key share of the
    date's row (staff may be moving it, and bring the deadline to it:
    followups.bring_deadlines_to_start), so that the host reads why it lapsed, as a guest
    confirming a hold on a date that has started does."""
    if start_locked(slot_id=booking.slot_id) <= now:
        raise HoldExpired(_("This date has started; the request lapsed."))
    if booking.expires_at is not None and booking.expires_at <= now:
        raise HoldExpired(_("The request lapsed; the guest may ask again."))


@transaction.atomic
def decline_request(*, host: HostProfile, reference: str, reason: str, now: datetime) -> Booking:
    """The host declines a booking request before it lapses; its seats are freed at once. One
    that lapsed is refused as a late accept is (HoldExpired): Outings declines it (the sweep;
    every read shows it declined from its deadline on), and the guest is not told that the host
    declined it, with a reason, after the host let it lapse."""
    ensure_active(host)
    booking = _hosts_request(host=host, reference=reference, now=now)
    _check_in_time(booking, now=now)
    end_booking(
        booking,
        status=Status.DECLINED,
        by=Booking.Party.HOST,
        actor=host.user,
        now=now,
        reason=reason[:1000],
    )
    return booking
