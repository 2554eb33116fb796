"""Handing a booking to someone else: the guest names an email address, the person with that
address accepts through the emailed link (logged in as that address), and the booking is theirs.
The secret of the link is only in the mail; the database keeps its sha256 (the outbox row that
carries the mail erases it once the mail has gone)."""

import hashlib
import math
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils.translation import gettext as _

from outings.accounts.models import User, canonical_email
from outings.accounts.selectors import is_own_address
from outings.bookings import effects
from outings.bookings.errors import (
    InvalidBookingState,
    InvalidTransfer,
    InvalidTransferLink,
    TransferLimitReached,
    TransferNotForYou,
    TransfersThrottled,
)
from outings.bookings.models import Booking, Transfer, WaitlistEntry
from outings.bookings.services.core import locked, record, start_locked
from outings.common.errors import NotFound

EMAIL_MAX = 254
# A guest's offers are counted under a transaction-level advisory lock (this class, the guest's
# id): two offers of two of their bookings at once are counted one after the other.
OFFERS_LOCK_CLASS = 0x7472
OFFERS_WINDOW = timedelta(hours=24)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _transferable(booking: Booking | None, *, now: datetime) -> Booking:
    if booking is None:
        raise NotFound(_("There is no such booking."))
    if booking.status != Booking.Status.CONFIRMED:
        raise InvalidBookingState(_("Only a confirmed booking can be handed on."))
    if booking.slot.starts_at <= now:
        raise InvalidBookingState(_("This date has already started."))
    return booking


def _transferable_locked(booking: Booking | None, *, now: datetime) -> Booking:
    """_transferable, for a booking the caller holds locked: its date's start read as committed,
    under a key share of the date's row (core.start_locked), so that staff moving it at this
    moment committed before (read here) or wait for the offer or the accept. The booking's read
    joined the date as it was before: a booking was offered, or handed on, on a date that had
    begun. A host cancelling the date locks the booking first: read here as cancelled."""
    if booking is not None and booking.status == Booking.Status.CONFIRMED:
        booking.slot.starts_at = start_locked(slot_id=booking.slot_id)
    return _transferable(booking, now=now)


def _check_offer_limits(*, booking: Booking, guest: User, now: datetime) -> None:
    """Refuse a new offer over the limits: every offer mails an address the guest chose, with
    their name in it, so it must not be a way to make the site mail anyone at will. At most
    BOOKINGS_TRANSFERS_PER_BOOKING offers of one booking by its guest (TransferLimitReached: it
    never lifts) and BOOKINGS_TRANSFERS_PER_DAY offers by the guest in any 24 hours
    (TransfersThrottled, with the seconds until the oldest of them is a day old). Counted from
    the transfer rows, each an offer that was mailed. Call holding the booking's lock (its
    offers are counted under it); takes the guest's offers lock for the rest."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [OFFERS_LOCK_CLASS, guest.pk % 2**31]
        )
    offers = Transfer.objects.filter(from_user=guest)
    per_booking = settings.BOOKINGS_TRANSFERS_PER_BOOKING
    if offers.filter(booking=booking)[:per_booking].count() >= per_booking:
        raise TransferLimitReached()
    per_day = settings.BOOKINGS_TRANSFERS_PER_DAY
    recent = list(
        offers.filter(created_at__gt=now - OFFERS_WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:per_day]
    )
    if len(recent) >= per_day:
        # Once the per_day-th latest offer is a day old, fewer than per_day are left in the day.
        wait = recent[per_day - 1] + OFFERS_WINDOW - now
        raise TransfersThrottled(retry_after=max(1, math.ceil(wait.total_seconds())))


@transaction.atomic
def offer_transfer(
    *, guest: User, reference: str, to_email: str, now: datetime
) -> tuple[Transfer, str]:
    """Offer the guest's confirmed booking to `to_email`; a pending offer to someone else is
    withdrawn. Returns the transfer and the link's secret (mailed, never stored). An offer to
    the listing's host (any address of theirs) is refused, as one to oneself is. An offer to
    the address of the pending one (any case) is answered with that offer and mails nothing
    (secret ""): a double click or a retry must not withdraw the link already mailed. A new
    offer over the guest's limits is refused (_check_offer_limits) and changes nothing."""
    address = to_email.strip()
    try:
        if len(address) > EMAIL_MAX:
            raise ValidationError("too long")
        validate_email(address)
    except ValidationError:
        raise InvalidTransfer(fields={"to_email": [_("Enter a valid email address.")]}) from None
    # Shown and mailed as typed; compared as mail reaches it (canonical_email, as accounts keep
    # theirs): another spelling of one mailbox (full-width letters, a Unicode or punycode
    # domain) is one address.
    if is_own_address(user=guest, email=address):  # their main or another verified address
        raise InvalidTransfer(fields={"to_email": [_("The booking is already yours.")]})
    booking = _transferable_locked(
        locked(Booking.objects.filter(guest=guest, reference=reference)).first(), now=now
    )
    if is_own_address(user=booking.listing.host.user, email=address):
        # A host cannot book their own listing (a hold, a waiting list), nor take a booking of
        # it (accept_transfer): the offer would use up one of the guest's and mail a link that
        # nobody can accept.
        raise InvalidTransfer(
            fields={"to_email": [_("The host of this listing cannot take a booking of it.")]}
        )
    pending = Transfer.objects.filter(booking=booking, status=Transfer.Status.PENDING)
    # At most one pending offer (a new one withdraws it): compared here, in canonical form.
    already = next(
        (
            offer
            for offer in pending.select_related("booking")
            if canonical_email(offer.to_email) == canonical_email(address)
        ),
        None,
    )
    if already is not None:
        return already, ""
    _check_offer_limits(booking=booking, guest=guest, now=now)
    pending.update(status=Transfer.Status.WITHDRAWN, decided_at=now)
    secret = secrets.token_urlsafe(24)
    transfer = Transfer.objects.create(
        booking=booking,
        from_user=guest,
        to_email=address,
        token_digest=_digest(secret),
        created_at=now,
    )
    record(
        booking, actor=guest, action="transfer_offered", was=booking.status, note=address, at=now
    )
    effects.transfer_offered(transfer, secret=secret)
    return transfer, secret


@transaction.atomic
def withdraw_transfer(*, guest: User, reference: str, now: datetime) -> int:
    """The guest takes back a pending transfer offer; how many were withdrawn (0 or 1)."""
    booking = Booking.objects.filter(guest=guest, reference=reference).first()
    if booking is None:
        raise NotFound(_("There is no such booking."))
    return Transfer.objects.filter(booking=booking, status=Transfer.Status.PENDING).update(
        status=Transfer.Status.WITHDRAWN, decided_at=now
    )


def pending_transfer(*, secret: str, user: User, now: datetime) -> Transfer:
    """The pending transfer a link's secret names, with its booking, for `user`, the one it was
    sent to (its address is theirs: the account's main one or another verified one);
    InvalidTransferLink if there is none, TransferNotForYou for anyone else (the giver
    too: nothing of the booking is theirs to read through the link), and InvalidBookingState
    once its date has started (nobody can take it any more)."""
    transfer = (
        Transfer.objects.select_related("booking__listing", "booking__slot", "from_user")
        .filter(token_digest=_digest(secret), status=Transfer.Status.PENDING)
        .first()
    )
    if transfer is None:
        raise InvalidTransferLink()
    # Any verified address of the account, as an offer to oneself counts them: compared with
    # the main one only, an offer to the taker's other address could not be taken at all.
    if not is_own_address(user=user, email=transfer.to_email):
        raise TransferNotForYou()
    _transferable(transfer.booking, now=now)
    return transfer


def accepted_by(*, secret: str, user: User) -> Booking | None:
    """The booking the link `secret` handed to `user`, if they accepted it and hold it still: a
    second press of "Accept" (a double click, Back), or the mail's link opened again. None for
    anyone else (the giver, the taker once they handed it on again): for them the link is used."""
    return Booking.objects.filter(
        guest=user,
        transfers__token_digest=_digest(secret),
        transfers__status=Transfer.Status.ACCEPTED,
        transfers__to_user=user,
    ).first()


@transaction.atomic
def accept_transfer(*, user: User, secret: str, now: datetime) -> Booking:
    """`user` accepts a transfer sent to their address: the booking moves to them, the previous
    guest and the host are told, and the new guest gets the confirmation with its invite. If
    they were waiting for seats on that date, they hold seats there now: their entry is booked,
    and freed seats go to whoever waits next (an offer already made to them stands: theirs to
    take or let lapse). Entries are locked after the booking and the date's key share (the
    app's lock order); an offer being made to the entry at this moment is waited for."""
    transfer = pending_transfer(secret=secret, user=user, now=now)
    booking = _transferable_locked(
        locked(Booking.objects.filter(pk=transfer.booking_id)).first(), now=now
    )
    # Read again under the booking's lock: the offer may have been withdrawn or replaced since
    # the link was looked up (offer_transfer locks the booking too; withdraw_transfer waits for
    # this lock on the transfer's row).
    if not (
        Transfer.objects.select_for_update()
        .filter(pk=transfer.pk, status=Transfer.Status.PENDING, from_user_id=booking.guest_id)
        .exists()
    ):
        raise InvalidTransferLink()
    if booking.guest_id == user.pk:
        raise InvalidTransfer(_("The booking is already yours."))
    if booking.listing.host.user_id == user.pk:
        raise InvalidTransfer(_("You cannot book your own listing."))
    previous = booking.guest
    booking.guest = user
    booking.version += 1
    booking.save(update_fields=["guest", "version"])
    Transfer.objects.filter(pk=transfer.pk).update(
        status=Transfer.Status.ACCEPTED, to_user=user, decided_at=now
    )
    WaitlistEntry.objects.filter(
        slot_id=booking.slot_id, guest=user, status=WaitlistEntry.Status.WAITING
    ).update(status=WaitlistEntry.Status.BOOKED, updated_at=now)
    record(
        booking, actor=user, action="transferred", was=booking.status, note=previous.email, at=now
    )
    effects.transferred(booking, previous=previous)
    return booking
