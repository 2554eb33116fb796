"""Review of mails whose news has a deadline, held up in the queue past it (session 24). A
waiting-list offer's mail says the seats are "held for you until <time>", a host's mail about
a request "accept or decline by <time>", a move's mail to a guest holding seats or asking for
them "stay held until <time>" / "the host answers by <time>", and an offer of a booking to an
address "accept it" (possible while the offer stands and its date has not begun). Each waits
for the urgent queue's workers and the mail server like any other mail; when they were down
past the deadline it went once they were back, telling the reader to act on something already
over, as the reminder did (test_review_session24_late_reminder.py). Each is now held to its
deadline (`until`, emails._overtaken; the offer of a booking to the offer,
effects._offer_stands): not gone by then, it is skipped (its row done, nothing sent). Each has
its control: delivered in time, it is sent.

Real PostgreSQL, the outbox relay run as the workers would (urgent and default apart), a real
SMTP server (aiosmtpd). Deadlines are ten minutes away (an offer or a request made on a date
that starts that soon lapses at its start), and the tests whose workers come back after them move
the clock on past them (`clock`)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import effects, services
from outings.bookings.models import Booking
from outings.catalog.tests.factories import ListingFactory, SlotFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db
SOON = timedelta(minutes=10)
Clock = Callable[[datetime], None]


@pytest.fixture(autouse=True)
def _no_broker(nudges: list[str]) -> list[str]:
    """The relay's nudges recorded, not published: the test runs the relay itself."""
    return nudges


def _run(sink: SmtpSink, queue: str = "urgent") -> None:
    emails._connections.discard()
    with sink.as_backend():
        relay.drain(queue=queue, budget=5)
    emails._connections.discard()


def _subjects(sink: SmtpSink, *, to: User | str) -> list[str]:
    address = to if isinstance(to, str) else to.email
    parser = BytesParser(policy=default_policy)
    mails: list[EmailMessage] = [parser.parsebytes(raw) for raw in sink.recorder.messages]
    return [str(mail["Subject"]) for mail in mails if mail["To"] == address]


def _date(*, instant: bool = True, capacity: int = 2) -> Slot:
    """A date of "Harbour walk" that starts SOON from now."""
    start = timezone.now() + SOON
    listing = ListingFactory.create(title="Harbour walk", instant_booking=instant)
    return SlotFactory.create(
        listing=listing, starts_at=start, ends_at=start + timedelta(hours=2), capacity=capacity
    )


def _book(guest: User, slot: Slot, seats: int = 2) -> Booking:
    now = timezone.now()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=now)
    return services.confirm_booking(guest=guest, reference=held.reference, now=now)


def _offered(guest: User, waiter: User) -> Booking:
    """`waiter` offered two seats from the waiting list (the guest who had them cancelled); the
    offer lapses at the date's start, SOON from now."""
    slot = _date()
    booking = _book(guest, slot)
    services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=2, now=timezone.now())
    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())
    offer = Booking.objects.get(guest=waiter)
    assert offer.expires_at == slot.starts_at
    return offer


def test_a_waitlist_offer_whose_mail_had_not_gone_by_its_deadline_is_not_sent(
    guest: User, other_guest: User, sink: SmtpSink, clock: Clock
) -> None:
    offer = _offered(guest, other_guest)
    clock(offer.slot.starts_at)  # the urgent workers back after the offer lapsed

    _run(sink)

    assert _subjects(sink, to=other_guest) == []
    mail = OutboxMessage.objects.get(kind=emails.KIND, payload__context__kind="waitlist.offer")
    assert mail.status == OutboxMessage.Status.DONE


def test_a_waitlist_offer_whose_mail_goes_in_time_is_sent(
    guest: User, other_guest: User, sink: SmtpSink
) -> None:
    offer = _offered(guest, other_guest)

    _run(sink)

    assert _subjects(sink, to=other_guest) == [f"A seat is free: Harbour walk ({offer.reference})"]


def _requested(guest: User) -> Booking:
    """A request on a listing that takes requests; it lapses at the date's start, SOON."""
    slot = _date(instant=False)
    request = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    assert request.status == Booking.Status.REQUESTED
    assert request.expires_at == slot.starts_at
    return request


def test_a_request_whose_mail_to_the_host_had_not_gone_by_its_deadline_is_not_sent(
    guest: User, sink: SmtpSink, clock: Clock
) -> None:
    request = _requested(guest)
    host = request.listing.host.user
    clock(request.slot.starts_at)  # its deadline

    _run(sink)

    assert _subjects(sink, to=host) == []
    mail = OutboxMessage.objects.get(kind=emails.KIND, payload__context__kind="booking.requested")
    assert mail.status == OutboxMessage.Status.DONE


def test_a_request_whose_mail_to_the_host_goes_in_time_is_sent(guest: User, sink: SmtpSink) -> None:
    request = _requested(guest)

    _run(sink)

    assert _subjects(sink, to=request.listing.host.user) == [
        f"Booking request: Harbour walk ({request.reference})"
    ]


TAKER = "kate@example.org"


def _handed_on(guest: User, sink: SmtpSink) -> Booking:
    """The guest's booking on a date that starts SOON, offered to TAKER; the mails before the
    offer's delivered."""
    booking = _book(guest, _date())
    _run(sink)  # "Booked", the host told
    services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=TAKER, now=timezone.now()
    )
    return booking


def test_a_transfer_offer_whose_mail_had_not_gone_when_the_date_began_is_not_sent(
    guest: User, sink: SmtpSink, clock: Clock
) -> None:
    booking = _handed_on(guest, sink)
    clock(booking.slot.starts_at)  # nobody can take it any more

    _run(sink)

    assert _subjects(sink, to=TAKER) == []
    mail = OutboxMessage.objects.get(kind=emails.KIND, payload__template="booking_transfer")
    assert mail.status == OutboxMessage.Status.DONE
    assert mail.payload["context"] == {}  # the link's secret erased, as once sent


def test_a_transfer_offer_withdrawn_before_its_mail_went_is_not_sent(
    guest: User, sink: SmtpSink
) -> None:
    booking = _handed_on(guest, sink)
    services.withdraw_transfer(guest=guest, reference=booking.reference, now=timezone.now())

    _run(sink)

    assert _subjects(sink, to=TAKER) == []


def test_a_transfer_offer_whose_mail_goes_in_time_is_sent(guest: User, sink: SmtpSink) -> None:
    _handed_on(guest, sink)

    _run(sink)

    assert _subjects(sink, to=TAKER) == ["Ada Lovelace offers you a booking: Harbour walk"]


def _pending_moved(guest: User, *, instant: bool) -> Booking:
    """The guest's hold (or, `instant` false, request) on a date that starts SOON, which it
    lapses at; the date's end then moved (the listing's duration changed), and the guest told
    that it stands at the new time, until its deadline."""
    slot = _date(instant=instant)
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    assert booking.expires_at == slot.starts_at
    Slot.objects.filter(pk=slot.pk).update(ends_at=slot.ends_at + timedelta(hours=1))
    services.retime_bookings(slot_ids=[slot.pk], now=timezone.now())
    return booking


@pytest.mark.parametrize("instant", [True, False], ids=["held", "requested"])
def test_a_pending_bookings_move_whose_mail_had_not_gone_by_its_deadline_is_not_sent(
    guest: User, sink: SmtpSink, clock: Clock, instant: bool
) -> None:
    booking = _pending_moved(guest, instant=instant)
    # Its lapse not recorded yet when the mail is built (the relay takes it after the mail, or
    # the sweep's): recorded first, it moves the version, and the mail is skipped for that.
    OutboxMessage.objects.filter(kind=effects.EXPIRE).update(
        due_at=timezone.now() + timedelta(hours=1)
    )
    clock(booking.slot.starts_at)

    _run(sink)

    assert _subjects(sink, to=guest) == []
    mail = OutboxMessage.objects.get(kind=emails.KIND, payload__context__kind="booking.retimed")
    assert mail.status == OutboxMessage.Status.DONE


@pytest.mark.parametrize("instant", [True, False], ids=["held", "requested"])
def test_a_pending_bookings_move_whose_mail_goes_in_time_is_sent(
    guest: User, sink: SmtpSink, instant: bool
) -> None:
    booking = _pending_moved(guest, instant=instant)

    _run(sink)

    assert _subjects(sink, to=guest) == [f"New time: Harbour walk ({booking.reference})"]
