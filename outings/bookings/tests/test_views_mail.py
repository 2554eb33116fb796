"""The booking mails as a guest reads them: confirmation (with its invite), reminder and transfer,
rendered when sent in the reader's language, with the time where the thing happens and, when the
reader lives elsewhere, in their own zone too."""

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import effects, services
from outings.bookings.models import Booking
from outings.catalog import services as catalog_services
from outings.catalog.models import Listing
from outings.catalog.services import ListingData
from outings.catalog.tests.factories import SlotFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.scheduling import services as scheduling
from outings.scheduling.rules import ScheduleData

pytestmark = pytest.mark.django_db

# 10:00 in Toronto (EDT, UTC-4) on Saturday, July 5, 2031; 16:00 in Berlin (CEST).
START = datetime(2031, 7, 5, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


@pytest.fixture
def booking(guest: User, listing: Listing) -> Booking:
    Listing.objects.filter(pk=listing.pk).update(title="Harbour walk & coffee")
    slot = SlotFactory.create(listing=listing, starts_at=START)
    now = timezone.now()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    confirmed = services.confirm_booking(guest=guest, reference=held.reference, now=now)
    relay.drain(queue="urgent", budget=5)  # the worker announces it: the mail is enqueued
    return confirmed


def built(template: str) -> EmailMultiAlternatives:
    message = OutboxMessage.objects.filter(kind=emails.KIND, payload__template=template).latest(
        "id"
    )
    mail = emails.build(message)
    assert mail is not None
    return mail


def html_of(mail: EmailMultiAlternatives) -> str:
    [(html, mimetype)] = mail.alternatives
    assert mimetype == "text/html"
    return str(html)


def reader(user: User, **values: Any) -> None:
    User.objects.filter(pk=user.pk).update(**values)


def test_the_confirmation_shows_the_local_time_and_the_readers_own(
    guest: User, booking: Booking
) -> None:
    reader(guest, first_name="Ada", time_zone="Europe/Berlin", preferred_language="en")

    mail = built("booking_confirmed")

    assert mail.subject == f"Booked: Harbour walk & coffee ({booking.reference})"
    assert mail.to == [guest.email]
    assert "Hello Ada," in mail.body
    assert "your booking for “Harbour walk & coffee” is confirmed." in mail.body
    assert "Saturday, July 5, 2031, 10 a.m. EDT (local time, America/Toronto)" in mail.body
    assert "Your time: Saturday, July 5, 2031, 4 p.m. CEST" in mail.body
    assert "Guests: 2" in mail.body
    assert f"Reference: {booking.reference}" in mail.body
    assert f"/bookings/{booking.reference}/\n" in mail.body
    html = html_of(mail)
    assert "Harbour walk &amp; coffee" in html
    assert "10 a.m. EDT" in html
    [(name, content, mimetype)] = mail.attachments
    assert (name, mimetype) == (f"outings-{booking.reference}.ics", "text/calendar")
    assert "BEGIN:VEVENT" in str(content)


def test_a_reader_in_the_listings_zone_sees_one_time(guest: User, booking: Booking) -> None:
    reader(guest, time_zone="America/Toronto")

    mail = built("booking_confirmed")

    assert "10 a.m. EDT (local time, America/Toronto)" in mail.body
    assert "Your time" not in mail.body


def test_the_confirmation_reads_in_german(guest: User, booking: Booking) -> None:
    reader(guest, first_name="Ada", time_zone="Europe/Berlin", preferred_language="de")

    mail = built("booking_confirmed")

    assert mail.subject == f"Gebucht: Harbour walk & coffee ({booking.reference})"
    assert "Hallo Ada," in mail.body
    assert "deine Buchung für „Harbour walk & coffee“ ist bestätigt." in mail.body
    assert "Samstag, 5. Juli 2031 10:00 EDT (Ortszeit, America/Toronto)" in mail.body
    assert "Deine Zeit: Samstag, 5. Juli 2031 16:00 CEST" in mail.body
    assert "Gäste: 2" in mail.body


def test_the_reminder(guest: User, booking: Booking) -> None:
    reader(guest, time_zone="America/Toronto")
    effects.send_booking_mail(booking, template="booking_reminder", to=guest)

    mail = built("booking_reminder")

    assert mail.subject == f"Reminder: Harbour walk & coffee is coming up ({booking.reference})"
    assert "a reminder: “Harbour walk & coffee” is coming up soon." in mail.body
    assert "Saturday, July 5, 2031, 10 a.m. EDT" in mail.body
    assert "coming up soon" in html_of(mail)


def test_the_transfer_mail_carries_the_accept_link_and_the_local_time(
    guest: User, booking: Booking
) -> None:
    reader(guest, first_name="Ada", last_name="Byron")
    guest.refresh_from_db()
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email="friend@example.org", now=timezone.now()
    )

    mail = built("booking_transfer")

    assert mail.to == ["friend@example.org"]
    assert mail.subject == "Ada Byron offers you a booking: Harbour walk & coffee"
    assert "Ada Byron wants to hand you their booking for “Harbour walk & coffee”." in mail.body
    assert f"/bookings/transfer/{secret}/" in mail.body
    assert "Saturday, July 5, 2031, 10 a.m. EDT (local time, America/Toronto)" in mail.body
    assert f"/bookings/transfer/{secret}/" in html_of(mail)


def test_the_transfer_mail_is_in_the_language_of_the_guest_who_hands_it_on(
    guest: User, booking: Booking
) -> None:
    """Its reader may have no account: the guest's own language is the best guess (it was
    always the site's default)."""
    reader(guest, first_name="Ada", last_name="Byron", preferred_language="", site_language="de")
    guest.refresh_from_db()
    services.offer_transfer(
        guest=guest, reference=booking.reference, to_email="friend@example.org", now=timezone.now()
    )

    mail = built("booking_transfer")

    assert mail.subject == "Ada Byron bietet dir eine Buchung an: Harbour walk & coffee"


def test_the_transfer_link_leaves_the_outbox_once_the_mail_has_gone(
    guest: User, booking: Booking, mailoutbox: list[EmailMultiAlternatives]
) -> None:
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email="friend@example.org", now=timezone.now()
    )
    confirmation = OutboxMessage.objects.get(payload__template="booking_confirmed")
    OutboxMessage.objects.filter(pk=confirmation.pk).update(status=OutboxMessage.Status.DONE)

    relay.drain(queue="urgent", budget=5)

    [sent] = [mail for mail in mailoutbox if mail.to == ["friend@example.org"]]
    assert f"/bookings/transfer/{secret}/" in sent.body
    message = OutboxMessage.objects.get(payload__template="booking_transfer")
    assert message.status == OutboxMessage.Status.DONE
    assert secret not in json.dumps(message.payload)
    assert message.payload["to"] == "friend@example.org"
    # Other mails keep their context until the outbox is purged.
    assert OutboxMessage.objects.get(pk=confirmation.pk).payload["context"]


def test_a_cancelled_booking_mail_carries_the_event_that_takes_it_out_of_the_calendar(
    guest: User, booking: Booking
) -> None:
    """The confirmation's invite put the date in the guest's calendar; the host's cancellation
    mail carries the same event (same UID, a later SEQUENCE) marked cancelled."""
    confirmed_invite = str(built("booking_confirmed").attachments[0][1])
    services.cancel_booking_as_host(
        host=booking.listing.host,
        reference=booking.reference,
        reason="The boat is broken",
        now=timezone.now(),
    )

    mail = built("notification")

    assert mail.to == [guest.email]
    [(name, content, mimetype)] = mail.attachments
    assert (name, mimetype) == (f"outings-{booking.reference}.ics", "text/calendar")
    uid = f"UID:booking-{booking.reference}@outings"
    assert uid in confirmed_invite
    assert uid in str(content)
    assert "STATUS:CONFIRMED" in confirmed_invite
    assert "STATUS:CANCELLED" in str(content)
    assert "SEQUENCE:2" in confirmed_invite
    assert "SEQUENCE:3" in str(content)


def test_cancelling_a_hold_mails_no_calendar_event(guest: User, listing: Listing) -> None:
    """A hold never reached the guest's calendar: releasing it sends nothing to take out."""
    slot = SlotFactory.create(listing=listing, starts_at=START)
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    services.cancel_booking_as_host(
        host=listing.host, reference=held.reference, reason="Closed", now=timezone.now()
    )

    assert built("notification").attachments == []


def test_a_new_duration_tells_the_guest_with_the_event_at_its_new_end(
    guest: User, listing: Listing
) -> None:
    """The host makes the listing last longer: its booked dates end later (the schedule's slots
    follow), and the guest is told, with the calendar event at its new end and a later
    SEQUENCE, so the event already in their calendar moves."""
    reader(guest, time_zone="America/Toronto", preferred_language="en")
    Listing.objects.filter(pk=listing.pk).update(
        duration_minutes=60,
        time_zone="America/Toronto",
        status=Listing.Status.PUBLISHED,
        address="1 Harbour Street",
    )
    listing.refresh_from_db()
    now = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
    schedule = scheduling.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            kind="weekly", weekdays=(5,), start_times=(time(10, 0),), valid_from=date(2031, 7, 5),
            valid_until=date(2031, 7, 5), capacity=8,
        ),
        now=now,
    )  # fmt: skip
    slot = schedule.slots.get()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    booking = services.confirm_booking(guest=guest, reference=held.reference, now=now)
    relay.drain(queue="urgent", budget=5)
    before = str(built("booking_confirmed").attachments[0][1])

    catalog_services.update_listing(
        host=listing.host,
        listing_id=listing.pk,
        expected_version=listing.version,
        data=replace(ListingData.of(listing), duration_minutes=150),
        actor=listing.host.user,
        now=now,
    )
    relay.drain(queue="default", budget=5)

    mail = built("notification")
    assert mail.to == [guest.email]
    assert "now ends at" in mail.body
    assert "12:30" in mail.body or "12:30 p.m." in mail.body
    [(name, content, mimetype)] = mail.attachments
    assert (name, mimetype) == (f"outings-{booking.reference}.ics", "text/calendar")
    assert "DTEND;TZID=America/Toronto:20310705T110000" in before
    assert "DTEND;TZID=America/Toronto:20310705T123000" in str(content)
    assert "SEQUENCE:2" in before
    assert "SEQUENCE:3" in str(content)


def host_mail(booking: Booking) -> EmailMultiAlternatives:
    host = booking.listing.host.user
    message = OutboxMessage.objects.filter(kind=emails.KIND, payload__to=host.email).latest("id")
    mail = emails.build(message)
    assert mail is not None
    return mail


def test_the_host_reads_a_new_booking_at_the_listings_time_and_then_their_own(
    booking: Booking,
) -> None:
    """The notification mail says when the date takes place, named, wherever its host lives."""
    reader(booking.listing.host.user, time_zone="Europe/Berlin", preferred_language="en")

    mail = host_mail(booking)

    assert (
        "booked 2 for “Harbour walk & coffee” on July 5, 2031, 10 a.m. EDT "
        "(your time: Sat 4 p.m. CEST)." in mail.body
    )


def test_a_host_in_the_listings_zone_reads_one_time_in_german(booking: Booking) -> None:
    reader(booking.listing.host.user, time_zone="America/Toronto", preferred_language="de")

    mail = host_mail(booking)

    assert "für „Harbour walk & coffee“ am 5. Juli 2031 10:00 EDT gebucht." in mail.body
    assert "deine Zeit" not in mail.body


def test_the_request_names_the_time_it_lapses(guest: User, listing: Listing) -> None:
    """A request lapses after BOOKINGS_REQUEST_HOURS, or when its date starts if that is
    sooner: the host is told the real deadline, not "within a day"."""
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    reader(listing.host.user, time_zone="America/Toronto", preferred_language="en")
    now = datetime(2031, 7, 5, 9, 0, tzinfo=UTC)  # 5 a.m. in Toronto, five hours before
    slot = SlotFactory.create(listing=listing, starts_at=START)
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    assert held.expires_at == START

    mail = built("notification")

    assert "on July 5, 2031, 10 a.m. EDT. Accept or decline by July 5, 2031, 10 a.m. EDT." in (
        mail.body
    )
    assert "within a day" not in mail.body


def test_a_reader_whose_clock_shows_the_same_time_sees_one_time(
    guest: User, booking: Booking
) -> None:
    """Detroit is not Toronto but its clocks agree with Toronto's: a second, identical time
    ('Your time: … 10 a.m. EDT') said nothing."""
    reader(guest, time_zone="America/Detroit")

    mail = built("booking_confirmed")

    assert "10 a.m. EDT (local time, America/Toronto)" in mail.body
    assert "Your time" not in mail.body
    assert "Your time" not in html_of(mail)
