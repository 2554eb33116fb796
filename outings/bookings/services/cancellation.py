"""Cancelling a booking: by the guest (refund per the policy booked under), by the host
(everything back, and recorded against the host), by staff (logged). Seats are released in the
same transaction and offered to the waiting list. A whole date's cancellation, and the minimum
of guests decided at the cut-off, are in `dates.py`."""

from datetime import datetime, timedelta
from enum import Enum
from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _

from outings.accounts.models import HostProfile, User
from outings.bookings.errors import InvalidBookingState, RefundChanged
from outings.bookings.models import Booking
from outings.bookings.services.core import end_booking, locked, start_locked
from outings.catalog.models import CancellationPolicy
from outings.catalog.services import ensure_active
from outings.common.errors import NotFound

Status = Booking.Status
Party = Booking.Party
REASON_MAX = 1000
# What staff need to cancel a booking (API or admin): being staff only lets them into the admin.
CANCEL_AS_STAFF = "bookings.change_booking"

# (hours before the start, percent refunded) from the most generous step down; docs/hosting.md.
REFUND_STEPS: dict[str, list[tuple[int, int]]] = {
    CancellationPolicy.FLEXIBLE: [(24, 100)],
    CancellationPolicy.MODERATE: [(120, 100), (24, 50)],
    CancellationPolicy.STRICT: [(168, 50)],
}


def refund_for(*, policy: str, total: int, starts_at: datetime, now: datetime) -> int:
    """What a guest cancelling at `now` gets back of `total` (minor units, rounded down)."""
    before = starts_at - now
    for hours, percent in REFUND_STEPS[policy]:
        if before >= timedelta(hours=hours):
            return total * percent // 100
    return 0


def guest_refund(booking: Booking, *, now: datetime) -> int | None:
    """What the guest would get back by cancelling `booking` at `now`, as cancel_booking
    records it: per the policy booked under for a confirmed booking; None for a hold or request
    (nothing was paid) and for a booking that can no longer be cancelled (ended or started)."""
    if booking.status_at(now) != Status.CONFIRMED or booking.slot.starts_at <= now:
        return None
    return refund_for(
        policy=booking.cancellation_policy,
        total=booking.total_price,
        starts_at=booking.slot.starts_at,
        now=now,
    )


def _cancellable(booking: Booking | None, *, now: datetime) -> Booking:
    if booking is None:
        raise NotFound(_("There is no such booking."))
    # A hold or request whose time ran out is over, though the sweep has not recorded it yet:
    # ending it now would count a lapse as a cancellation (by the guest, or against the host).
    status = booking.status_at(now)
    if status not in Booking.ACTIVE:
        raise InvalidBookingState(
            _("This booking is already %(status)s.")
            % {"status": Booking.Status(status).label.lower()}
        )
    # The start as committed, under a key share of the date's row: staff moving it at this
    # moment committed before (read here) or wait for the cancellation. The booking's read
    # joined the date as it was before: a booking was cancelled, refunded by the policy for a
    # start a day away, on a date that had begun.
    booking.slot.starts_at = start_locked(slot_id=booking.slot_id)
    if booking.slot.starts_at <= now:
        raise InvalidBookingState(_("This date has already started."))
    return booking


class Unchecked(Enum):
    """No refund was shown to the guest (an API client that did not say): cancel whatever the
    policy gives at that moment."""

    REFUND = "unchecked"


# What the guest was shown: an amount, None for nothing due, or Unchecked.REFUND for nothing shown.
ExpectedRefund = int | Literal[Unchecked.REFUND] | None


@transaction.atomic
def cancel_booking(
    *,
    guest: User,
    reference: str,
    now: datetime,
    expected_refund: ExpectedRefund = Unchecked.REFUND,
) -> Booking:
    """The guest cancels their own booking. A confirmed booking is refunded per the policy it
    was booked under; a hold or request just ends (nothing was due).

    `expected_refund` is what the guest was shown and agreed to (guest_refund when it was
    shown: None for nothing due). If cancelling at `now` gives anything else (a step of the
    policy passed, the host accepted the request meanwhile), nothing changes and RefundChanged
    carries the booking, so the guest can be shown the new refund and asked again. The
    comparison runs under the booking's lock, at the same `now` as the refund recorded."""
    booking = _cancellable(
        locked(Booking.objects.filter(guest=guest, reference=reference)).first(), now=now
    )
    refund = guest_refund(booking, now=now)
    if expected_refund is not Unchecked.REFUND and expected_refund != refund:
        raise RefundChanged(current=booking, refund=refund)
    end_booking(
        booking,
        status=Status.CANCELLED,
        by=Party.GUEST,
        actor=guest,
        now=now,
        refund_due=refund,
    )
    return booking


@transaction.atomic
def cancel_booking_as_host(
    *, host: HostProfile, reference: str, reason: str, now: datetime
) -> Booking:
    """The host cancels a booking on one of their listings: the guest is due everything, and
    the cancellation counts against the host (cancelled_by = host)."""
    ensure_active(host)
    booking = _cancellable(
        locked(Booking.objects.filter(listing__host=host, reference=reference)).first(), now=now
    )
    cancel_in_full(booking, by=Party.HOST, actor=host.user, reason=reason, now=now)
    return booking


@transaction.atomic
def cancel_booking_as_staff(*, staff: User, reference: str, reason: str, now: datetime) -> Booking:
    """Staff who may change bookings (CANCEL_AS_STAFF) cancel any booking, with a reason that
    is logged with their name; refunded in full. Anyone else: NotFound, as for a guest."""
    if not staff.may_as_staff(CANCEL_AS_STAFF):
        raise NotFound(_("There is no such booking."))
    booking = _cancellable(locked(Booking.objects.filter(reference=reference)).first(), now=now)
    cancel_in_full(booking, by=Party.STAFF, actor=staff, reason=reason, now=now)
    return booking


def cancel_in_full(
    booking: Booking,
    *,
    by: str,
    actor: User | None,
    reason: str,
    now: datetime,
    whole_date: bool = False,
) -> None:
    """Cancel with everything refunded. The freed seats go to the waiting list, and the host
    hears of it, unless the whole date is being cancelled (`whole_date`: dates._close_slot
    tells)."""
    refund = booking.total_price if booking.status == Status.CONFIRMED else None
    end_booking(
        booking,
        status=Status.CANCELLED,
        by=by,
        actor=actor,
        now=now,
        reason=reason[:REASON_MAX],
        refund_due=refund,
        offer_seats=not whole_date,
        tell_host=not whole_date,
    )
