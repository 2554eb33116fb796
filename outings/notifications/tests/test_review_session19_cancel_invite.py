"""A mail that takes a date out of a guest's calendar carries a METHOD:CANCEL object: the same
UID as the invite, a higher SEQUENCE, STATUS:CANCELLED, the organizer and the guest being
removed (RFC 5546 §3.2.5), and a part whose type names that method (RFC 6047 §2.4).

It carried METHOD:PUBLISH with STATUS:CANCELLED: a published event that happens to be marked
cancelled, which Outlook keeps in the calendar as it is and Gmail does not act on. Mail
programs remove an event they added from an invite when a CANCEL for its UID comes."""

from email.message import EmailMessage

import pytest
from django.utils import timezone
from icalendar import Calendar

from outings.accounts.models import User
from outings.bookings import services
from outings.catalog.tests.factories import UserFactory
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.notifications.tests.test_review_mail import book, deliver, event_of, invites, to

pytestmark = pytest.mark.django_db


def calendar_part(mail: EmailMessage) -> tuple[str | None, Calendar]:
    [part] = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    [ics] = invites(mail)
    method = part.get_param("method")
    return (str(method) if method is not None else None), Calendar.from_ical(ics)


def test_a_cancelled_bookings_mail_cancels_the_event_it_invited_to(
    guest: User, sink: SmtpSink
) -> None:
    booking = book(guest)
    [confirmation] = to(deliver(sink), guest)
    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())

    [told] = [m for m in to(deliver(sink), guest) if m is not confirmation and invites(m)][-1:]

    invited_method, invited = calendar_part(confirmation)
    method, cancelled = calendar_part(told)
    assert (invited_method, str(invited["method"])) == ("PUBLISH", "PUBLISH")
    assert (method, str(cancelled["method"])) == ("CANCEL", "CANCEL")
    [first], [event] = invited.walk("VEVENT"), cancelled.walk("VEVENT")
    assert str(event["uid"]) == str(first["uid"])
    assert event.decoded("sequence") > first.decoded("sequence")
    assert str(event["status"]) == "CANCELLED"
    assert "organizer" in event
    assert str(event["attendee"]).lower() == f"mailto:{guest.email}".lower()


def test_a_booking_handed_on_cancels_the_event_in_the_givers_calendar(
    guest: User, sink: SmtpSink
) -> None:
    booking = book(guest)
    friend = UserFactory.create()
    deliver(sink)
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=friend.email, now=timezone.now()
    )
    services.accept_transfer(user=friend, secret=secret, now=timezone.now())

    mails = deliver(sink)

    [told] = [m for m in to(mails, guest) if invites(m)][1:]
    [booked] = [m for m in to(mails, friend) if invites(m)]
    method, cancelled = calendar_part(told)
    assert (method, str(cancelled["method"])) == ("CANCEL", "CANCEL")
    event = event_of(invites(told)[0])
    assert str(event["status"]) == "CANCELLED"
    assert str(event["attendee"]).lower() == f"mailto:{guest.email}".lower()
    assert calendar_part(booked)[0] == "PUBLISH"
    assert str(event_of(invites(booked)[0])["uid"]) == str(event["uid"])
