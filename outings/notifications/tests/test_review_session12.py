"""Review (session 12): what the mails from the generic `notification` template tell a guest
about their booking, and who is told when a date moves. Mail goes through the real outbox relay
to a real SMTP server (aiosmtpd) and is read back as the recipient's mail program reads it."""

from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.conf import settings
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.notifications.tests.test_review_mail import MADRID_START, book, deliver, text_of, to
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def html_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def test_a_guest_whose_booking_the_host_cancels_is_told_what_when_which_and_what_is_due(
    guest: User, sink: SmtpSink
) -> None:
    """The confirmation names the experience, the date at the listing's time, the reference and
    links to the booking; the cancellation said "Booking cancelled · Outings" and one sentence.
    A guest with several bookings could not tell which one went, nor what they get back."""
    booking = book(guest, title="Tapas & wine", price_amount=2500, currency="EUR")
    sent = len(deliver(sink))
    services.cancel_booking_as_host(
        host=booking.listing.host,
        reference=booking.reference,
        reason="The guide is ill",
        now=timezone.now(),
    )

    [mail] = to(deliver(sink)[sent:], guest)

    assert mail["Subject"] == f"Booking cancelled: Tapas & wine ({booking.reference})"
    link = f"{settings.SITE_URL}/bookings/{booking.reference}/"
    for body in (text_of(mail), html_of(mail)):
        assert "Tapas &amp; wine" in body if body.startswith("<") else "Tapas & wine" in body
        assert "March 30, 2031, 10 a.m. CEST" in body  # Madrid's time, where it takes place
        assert booking.reference in body
        assert "€50.00" in body  # two seats of €25.00, all of it back
        assert "The guide is ill" in body
        assert link in body


def test_the_systems_reason_reads_in_the_guests_language(guest: User, sink: SmtpSink) -> None:
    """A date cancelled because too few booked: the reason is stored in English and must read
    in German for a German guest, as on the booking page."""
    User.objects.filter(pk=guest.pk).update(preferred_language="de")
    booking = book(guest, min_guests=5, title="Tapas", price_amount=2500, currency="EUR")
    sent = len(deliver(sink))

    services.decide_minimum(slot_id=booking.slot_id, now=timezone.now())

    [mail] = to(deliver(sink)[sent:], guest)
    assert mail["Subject"] == f"Buchung storniert: Tapas ({booking.reference})"
    body = text_of(mail)
    assert "Fällige Erstattung: 50,00\xa0€" in body
    assert "Grund: Es haben nicht genug Gäste gebucht" in body


def test_a_waiting_list_offer_names_the_experience_and_leads_to_the_booking(
    guest: User, sink: SmtpSink
) -> None:
    slot = SlotFactory.create(
        listing=ListingFactory.create(title="Harbour kayak", time_zone="Europe/Madrid"),
        starts_at=MADRID_START,
        ends_at=MADRID_START + timedelta(hours=2),
        capacity=2,
    )
    first = UserFactory.create(preferred_language="en", time_zone="UTC")
    now = timezone.now()
    held = services.hold_seats(guest=first, slot_id=slot.pk, seats=2, now=now)
    services.confirm_booking(guest=first, reference=held.reference, now=now)
    services.join_waitlist(guest=guest, slot_id=slot.pk, seats=2, now=now)
    services.cancel_booking(guest=first, reference=held.reference, now=now)

    [mail] = to(deliver(sink), guest)

    offer = Booking.objects.get(guest=guest)
    assert mail["Subject"] == f"A seat is free: Harbour kayak ({offer.reference})"
    body = text_of(mail)
    assert "March 30, 2031, 10 a.m. CEST" in body
    assert offer.reference in body
    assert f"{settings.SITE_URL}/bookings/{offer.reference}/" in body


def test_a_german_mail_says_it_is_german(guest: User, sink: SmtpSink) -> None:
    """The HTML part's <html lang> is what a screen reader pronounces it by and what a mail
    program offers to translate from: every mail said lang="en", also a German one (its
    LANGUAGE_CODE comes from a request's context processor, and a mail has no request)."""
    User.objects.filter(pk=guest.pk).update(preferred_language="de")
    booking = book(guest)
    deliver(sink)
    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())

    mails = to(deliver(sink), guest)

    subjects = [str(mail["Subject"]).split(":")[0] for mail in mails]
    assert subjects == ["Gebucht", "Buchung storniert"]
    for mail in mails:
        assert '<html lang="de">' in html_of(mail), mail["Subject"]


@pytest.mark.parametrize("why", ["host", "minimum"])
def test_a_guest_waiting_for_a_date_is_told_when_it_is_cancelled(
    guest: User, sink: SmtpSink, why: str
) -> None:
    """The date is full and the guest waits for a seat. The host cancels the date (or too few
    booked by the cut-off): the booked guests are told, the waiting list is closed, and the
    guest on it heard nothing: they wait on, for a date that will not take place."""
    first = UserFactory.create(preferred_language="en", time_zone="UTC")
    booked = book(first, title="Harbour kayak", min_guests=5 if why == "minimum" else 0)
    Slot.objects.filter(pk=booked.slot_id).update(capacity=2)
    services.join_waitlist(guest=guest, slot_id=booked.slot_id, seats=1, now=timezone.now())
    deliver(sink)
    host = booked.listing.host

    if why == "host":
        services.cancel_slot(host=host, slot_id=booked.slot_id, reason="Storm", now=timezone.now())
    else:
        services.decide_minimum(slot_id=booked.slot_id, now=timezone.now())

    [mail] = to(deliver(sink), guest)
    assert mail["Subject"] == "Date cancelled: Harbour kayak"
    body = text_of(mail)
    assert "“Harbour kayak” on March 30, 2031, 10 a.m. CEST (your time: Sun 8 a.m. UTC) was" in body
    assert "you are no longer on its waiting list" in body
    entry = WaitlistEntry.objects.get(guest=guest)
    assert entry.status == WaitlistEntry.Status.CLOSED
