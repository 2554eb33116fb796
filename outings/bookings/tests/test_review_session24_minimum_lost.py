"""Review (session 24): a date with a minimum of guests that reached it before its cut-off told
every confirmed guest "… has enough guests: it will take place." (the inbox, the mail, and the
"Booked" mail of the booking that reached it). A guest cancelling before the cut-off takes it
below its minimum again, and the cut-off then cancels it, as the listing's rule says ("takes
place only if at least N guests have booked it 48 hours before it starts"): the guests who had
read that it will take place had it cancelled "for too few guests". Until the cut-off decides
the date, they are now told that it has enough guests so far, and that cancellations taking it
below the minimum by the cut-off (at the listing's time) still cancel it. Told at the cut-off,
or after it, "it will take place" stands, and is what they read. Personas: Ada and Bea
(guests), the host."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone, translation

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.bookings.tests import test_review_session14 as session14
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.notifications import texts
from outings.notifications.models import Notification
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

# The real outbox relay and a real SMTP server, as session 14's tests of "Booked" and "it is on".
sink, run_worker = session14.sink, session14.run_worker
a_date_with_a_minimum, received_by, text_of = (
    session14.a_date_with_a_minimum,
    session14.received_by,
    session14.text_of,
)

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
# Five days ahead, 10:00 in Berlin (CEST); its 48 hours' cut-off is 10:00 on May 4.
STARTS = datetime(2030, 5, 6, 8, 0, tzinfo=UTC)
CUT_OFF = STARTS - timedelta(hours=48)


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


@pytest.fixture
def date() -> Slot:
    slot = SlotFactory.create(starts_at=STARTS, ends_at=STARTS + timedelta(hours=2), capacity=10)
    Listing.objects.filter(pk=slot.listing_id).update(
        min_guests=4, min_guests_cutoff_hours=48, time_zone="Europe/Berlin"
    )
    return Slot.objects.select_related("listing").get(pk=slot.pk)


def book(guest: User, slot: Slot, *, seats: int = 2, now: datetime = NOW) -> Booking:
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=now)
    return services.confirm_booking(guest=guest, reference=held.reference, now=now)


def told_on(guest: User) -> str:
    """What the guest's "It is on" notice says, in English, read in Berlin."""
    [notice] = Notification.objects.filter(user=guest, kind=Notification.Kind.SLOT_MINIMUM_MET)
    with translation.override("en"), timezone.override("Europe/Berlin"):
        return texts.render(notice.kind, notice.data).body


def test_reached_then_lost_before_the_cut_off_the_guests_were_not_promised_it(
    guest: User, other_guest: User, date: Slot
) -> None:
    book(guest, date)
    bea = book(other_guest, date)
    services.cancel_booking(guest=other_guest, reference=bea.reference, now=NOW)

    cancelled = services.decide_minimum(slot_id=date.pk, now=CUT_OFF)

    assert cancelled
    assert Booking.objects.get(guest=guest).status == Booking.Status.CANCELLED
    said = told_on(guest)
    assert "it will take place" not in said
    assert said.startswith(
        f"“{date.listing.title}” on May 6, 2030, 10 a.m. CEST has enough guests so far: 4 or "
        "more have booked. It takes place unless cancellations take it below 4 by May 4, 2030, "
        "10 a.m. CEST; then it is cancelled and you get everything back."
    )


def test_a_german_reader_reads_it_in_german(guest: User, other_guest: User, date: Slot) -> None:
    book(guest, date)
    book(other_guest, date)

    [notice] = Notification.objects.filter(user=guest, kind=Notification.Kind.SLOT_MINIMUM_MET)
    with translation.override("de"), timezone.override("Europe/Berlin"):
        said = texts.render(notice.kind, notice.data).body

    assert "hat bisher genug Gäste: 4 oder mehr haben gebucht." in said
    assert "dann wird es abgesagt und du bekommst alles zurück." in said


def test_told_at_the_cut_off_it_will_take_place(
    guest: User, other_guest: User, host, date: Slot
) -> None:
    """The control: a date that had 2 of 4 whose host lowered the minimum to 2 is decided on at
    the cut-off, and its guest told then that it will take place: nothing can cancel it for too
    few guests any more."""
    book(guest, date)
    Listing.objects.filter(pk=date.listing_id).update(min_guests=2)

    assert not services.decide_minimum(slot_id=date.pk, now=CUT_OFF)

    assert told_on(guest) == (
        f"“{date.listing.title}” on May 6, 2030, 10 a.m. CEST has enough guests: it will take "
        "place."
    )


def test_the_booked_mail_of_the_booking_that_reaches_it_names_the_cut_off(
    guest: User, other_guest: User, sink: SmtpSink
) -> None:
    slot = a_date_with_a_minimum(4)
    now = timezone.now()
    book(guest, slot, now=now)
    run_worker()
    book(other_guest, slot, now=now)
    run_worker()

    [booked] = received_by(sink, other_guest)
    said = text_of(booked)
    assert "it will take place" not in said
    assert (
        "Enough guests have booked so far: it takes place unless cancellations take it below "
        "its minimum by "
    ) in said
    [_booked, on] = received_by(sink, guest)
    assert "has enough guests so far" in text_of(on)
