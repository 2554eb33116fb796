"""Outbox handlers of the bookings app, imported by BookingsConfig.ready in every process: due
rows that announce confirmations, lapse holds, send reminders and pass refunds to the payment
provider."""

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from outings.accounts.models import User
from outings.bookings import calendar, effects, services
from outings.bookings.models import Booking
from outings.bookings.payments import ProviderUnavailable, provider
from outings.catalog import events as catalog_events
from outings.common import outbox
from outings.common.models import OutboxMessage
from outings.scheduling import events as scheduling_events

__all__ = ["calendar"]  # registers the "booking.ics" mail attachment


@outbox.handler(effects.EXPIRE, queue="urgent")
def expire(message: OutboxMessage) -> None:
    """Due at the hold's expires_at; does nothing if the booking was confirmed or ended."""
    services.expire_booking(booking_id=int(message.payload["booking"]), now=timezone.now())


@outbox.handler(effects.CONFIRMED, queue="urgent")
def confirmed(message: OutboxMessage) -> None:
    """Written by the confirmation: the mail, the notifications, the live event, the day's count
    and the reminder it causes, if the booking is still confirmed (a booking cancelled before
    this ran was told of its cancellation, and nothing more)."""
    payload = message.payload
    guest = User.objects.get(pk=int(payload["guest"]))  # bookings protect their guests
    services.announce_confirmation(
        booking_id=int(payload["booking"]),
        guest=guest,
        at=datetime.fromisoformat(str(payload["at"])),
    )


@outbox.handler(scheduling_events.RETIMED, queue="default")
def retimed(message: OutboxMessage) -> None:
    """Booked dates whose times moved: each active booking moves its version (a confirmed one's
    calendar event SEQUENCE) and its guest is told what moved (a moved start with the start it
    had), a confirmed one with the event at the new time."""
    payload = message.payload
    was: dict[str, str] = payload.get("was_starts_at") or {}
    starts = {int(pk): parse_datetime(str(start)) for pk, start in was.items()}
    last_booking, last_entry = payload.get("last_booking"), payload.get("last_entry")
    services.retime_bookings(
        slot_ids=[int(pk) for pk in payload["slots"]],
        was_starts_at={pk: start for pk, start in starts.items() if start is not None},
        now=timezone.now(),
        last_booking=None if last_booking is None else int(last_booking),
        last_entry=None if last_entry is None else int(last_entry),
    )


@outbox.handler(scheduling_events.RETIRED, queue="default")
def retired(message: OutboxMessage) -> None:
    """Dates a rule no longer makes were cancelled with their waiting lists: whoever waited on
    one is told, as of a date its host cancelled."""
    services.tell_waitlists_closed(entry_ids=[int(pk) for pk in message.payload["entries"]])


@outbox.handler(effects.REMIND, queue="default")
def remind(message: OutboxMessage) -> None:
    """Due REMINDER_HOURS before the start it was planned for: mails the guest who holds the
    booking now, unless it ended or its date moved (a moved date plans its own reminder)."""
    planned = parse_datetime(str(message.payload["starts_at"]))
    if planned is not None:
        services.remind_guest(
            booking_id=int(message.payload["booking"]), planned=planned, now=timezone.now()
        )


@outbox.handler(catalog_events.BOOKABLE, queue="default")
def bookable(message: OutboxMessage) -> None:
    """A listing was published or resumed, or its host reinstated: seats freed while it was not
    bookable go to the waiting lists of its upcoming dates."""
    payload = message.payload
    services.offer_to_waiting_lists(
        listing_id=payload.get("listing"), host_id=payload.get("host"), now=timezone.now()
    )


@outbox.handler(effects.REFUND, queue="default", atomic=False, retry_on=(ProviderUnavailable,))
def refund(message: OutboxMessage) -> None:
    """Give the refund due back through the booking's provider, keyed by this message so a retry
    never refunds twice."""
    booking = Booking.objects.get(pk=int(message.payload["booking"]))
    provider(booking.payment_provider).refund(
        booking=booking, amount=int(message.payload["amount"]), key=f"refund-{message.pk}"
    )
