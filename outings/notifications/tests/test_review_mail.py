"""Review: what guests and hosts receive by mail, and its calendar data. Mail goes through the
real outbox relay to a real SMTP server (aiosmtpd, the `sink` fixture) and is read back as the
recipient's mail program reads it."""

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import cast

import pytest
from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Timezone

from outings.accounts.models import User
from outings.bookings import calendar, services
from outings.bookings.models import Booking
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.notifications.tests.test_emails import smtp_settings

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status

# 10:00 in Madrid (CEST, UTC+2) on Sunday, March 30, 2031: the first day of summer time.
MADRID_START = datetime(2031, 3, 30, 8, 0, tzinfo=UTC)


def book(guest: User, *, start: datetime = MADRID_START, **listing: object) -> Booking:
    """A confirmed booking of 2 seats on a two-hour date of a new listing in Madrid."""
    values: dict[str, object] = {"city": "Madrid", "time_zone": "Europe/Madrid", **listing}
    slot = SlotFactory.create(
        listing=ListingFactory.create(**values), starts_at=start, ends_at=start + timedelta(hours=2)
    )
    now = timezone.now()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    return services.confirm_booking(guest=guest, reference=held.reference, now=now)


def deliver(sink: SmtpSink) -> list[EmailMessage]:
    """Run every due outbox message, as the workers would, with mail going to `sink` over
    SMTP; the mails the server accepted (all of them so far), parsed."""
    emails._connections.discard()
    with smtp_settings(sink):
        for _round in range(3):  # a handler's mail is a message of its own
            relay.drain(queue="urgent", budget=5)
            relay.drain(queue="default", budget=5)
    emails._connections.discard()
    parser = BytesParser(policy=default_policy)
    return [parser.parsebytes(raw) for raw in sink.recorder.messages]


def to(mails: list[EmailMessage], user: User) -> list[EmailMessage]:
    return [mail for mail in mails if mail["To"] == user.email]


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def invites(mail: EmailMessage) -> list[bytes]:
    """The raw bytes of each text/calendar part, as they travelled."""
    return [
        cast(bytes, part.get_payload(decode=True))
        for part in mail.walk()
        if part.get_content_type() == "text/calendar"
    ]


def event_of(ics: bytes):
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    return event


# --- Calendar events ---------------------------------------------------------------------------


def test_a_guest_who_hands_on_a_booking_gets_the_event_taken_out_of_their_calendar(
    guest: User, sink: SmtpSink
) -> None:
    """The confirmation put the date in the guest's calendar (UID booking-REF). When they hand
    the booking on and the friend accepts, the date is no longer theirs: their mail about it
    should carry the same event marked cancelled (next SEQUENCE), as a cancellation's mail
    does, so the calendar takes it out. Instead the mail carries no event at all, and the old
    guest's calendar keeps a date they no longer hold (and will be turned away from)."""
    booking = book(guest)
    deliver(sink)  # the confirmation is announced (a booking handed on first is not)
    friend = UserFactory.create(email="friend@example.org")
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=friend.email, now=timezone.now()
    )
    services.accept_transfer(user=friend, secret=secret, now=timezone.now())

    mails = deliver(sink)

    [confirmation] = [m for m in to(mails, guest) if str(m["Subject"]).startswith("Booked:")]
    [told] = [m for m in to(mails, guest) if "is now in the name of" in text_of(m)]
    [put_in] = invites(confirmation)
    taken_out = invites(told)
    assert len(taken_out) == 1, "the old guest's calendar is never told the date is gone"
    event = event_of(taken_out[0])
    assert str(event["uid"]) == str(event_of(put_in)["uid"])
    assert str(event["status"]) == "CANCELLED"
    assert event.decoded("sequence") > event_of(put_in).decoded("sequence")


def test_the_invite_keeps_summer_time_for_dates_after_2037(guest: User) -> None:
    """The invite carries the listing's VTIMEZONE so that a calendar that reads it (rather than
    its own copy of the zone database) shows the right wall-clock time. The VTIMEZONE we write
    stops in 2037 ("This timezone only works from 1970-01-01 to 2038-01-01", icalendar's
    default range), so for a date in July 2038 at 10:00 in Madrid (CEST, UTC+2) it says CET
    (UTC+1): such a calendar puts the event an hour late. The zone should cover the event."""
    start = datetime(2038, 7, 4, 8, 0, tzinfo=UTC)  # 10:00 CEST
    booking = book(guest, start=start)

    parsed = Calendar.from_ical(calendar.ics(booking))

    [zone] = parsed.walk("VTIMEZONE")
    assert isinstance(zone, Timezone)
    own = zone.to_tz(lookup_tzid=False)  # the zone as the VTIMEZONE itself defines it
    local = event_of(calendar.ics(booking)).decoded("dtstart")
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2038, 7, 4, 10, 0)
    assert local.replace(tzinfo=own).utcoffset() == timedelta(hours=2)


def test_the_invite_zone_is_right_on_both_sides_of_the_change_to_summer_time(
    guest: User,
) -> None:
    """Control for the test above, and the DST check the brief asks for: in 2031 the VTIMEZONE
    says CET the day before summer time starts in Madrid and CEST on the day itself; in
    Toronto EST in early March and EDT after the second Sunday of March."""
    for zone_name, starts, offsets in (
        ("Europe/Madrid", [(3, 29, 9), (3, 30, 8)], (1, 2)),
        ("America/Toronto", [(3, 8, 15), (3, 9, 14)], (-5, -4)),
    ):
        for (month, day, hour), offset in zip(starts, offsets, strict=True):
            start = datetime(2031, month, day, hour, 0, tzinfo=UTC)  # 10:00 local
            booking = book(guest, start=start, time_zone=zone_name)
            parsed = Calendar.from_ical(calendar.ics(booking))
            [zone] = parsed.walk("VTIMEZONE")
            assert str(zone["tzid"]) == zone_name
            local = event_of(calendar.ics(booking)).decoded("dtstart")
            assert (local.hour, local.minute) == (10, 0)
            assert isinstance(zone, Timezone)
            own = zone.to_tz(lookup_tzid=False)
            assert local.replace(tzinfo=own).utcoffset() == timedelta(hours=offset)


def test_the_mailed_invite_names_its_organizer(guest: User, sink: SmtpSink) -> None:
    """The invite carries METHOD:PUBLISH, which makes it an iTIP message (RFC 5546 §3.2.1):
    a PUBLISH VEVENT MUST have exactly one ORGANIZER. Ours has none, and mail programs that
    check it (Outlook, Thunderbird) show the invite as malformed or offer no "add" button."""
    book(guest)

    [confirmation] = to(deliver(sink), guest)

    [ics] = invites(confirmation)
    method = Calendar.from_ical(ics).get("method")
    assert method is None or "organizer" in event_of(ics), f"METHOD:{method} without ORGANIZER"


def test_the_mailed_invite_says_its_method_in_its_content_type(guest: User, sink: SmtpSink) -> None:
    """iMIP (RFC 6047 §2.4) carries an iTIP object as text/calendar with a "method" parameter
    equal to the object's METHOD. Our part is "text/calendar; charset=utf-8" with no method,
    while the object says METHOD:PUBLISH; Outlook and Gmail decide from that parameter whether
    the part is an invitation to act on."""
    book(guest)

    [confirmation] = to(deliver(sink), guest)

    [part] = [p for p in confirmation.walk() if p.get_content_type() == "text/calendar"]
    [ics] = invites(confirmation)
    method = Calendar.from_ical(ics).get("method")
    assert part.get_param("method") == (str(method) if method is not None else None)


def test_the_cancelled_event_is_stamped_when_it_is_written_not_when_the_booking_was_made(
    guest: User, sink: SmtpSink
) -> None:
    """With METHOD present, DTSTAMP is "the date and time that the instance of the iCalendar
    object was created" (RFC 5545 §3.8.7.2), which iTIP uses to order two versions of one
    event. Ours is always the booking's creation time, so the cancellation's event (written
    days later) carries the same DTSTAMP as the confirmation's."""
    booking = book(guest)
    [confirmation] = to(deliver(sink), guest)
    Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - timedelta(days=3))
    before_cancel = timezone.now()
    services.cancel_booking_as_host(
        host=booking.listing.host, reference=booking.reference, reason="Rain", now=timezone.now()
    )

    cancelled = f"Booking cancelled: {booking.listing.title} ({booking.reference})"
    [told] = [m for m in to(deliver(sink), guest) if m["Subject"] == cancelled]

    [confirmed] = [event_of(ics) for ics in invites(confirmation)]
    [cancelled] = [event_of(ics) for ics in invites(told)]
    assert str(cancelled["status"]) == "CANCELLED"
    assert cancelled.decoded("sequence") > confirmed.decoded("sequence")
    assert cancelled.decoded("dtstamp") >= before_cancel - timedelta(seconds=1)


def test_an_invite_of_awkward_text_travels_as_rfc_5545_says(guest: User, sink: SmtpSink) -> None:
    """Commas, semicolons, backslashes and a line break in the title and the meeting point are
    escaped; every line ends in CRLF and is at most 75 octets, folded between characters (a
    multi-byte character is never split); the text reads back as the host typed it."""
    title = "Tapas, vino; y \\ paella — ñandú " + "ñ" * 40 + "\nsegunda línea"
    meeting = "Plaza Mayor, 1; puerta \\ norte"
    book(guest, title=title, meeting_point=meeting, address="Calle Toledo 2")

    [confirmation] = to(deliver(sink), guest)

    [ics] = invites(confirmation)
    assert b"\n" not in ics.replace(b"\r\n", b"")
    lines = ics.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    for line in lines:
        line.decode("utf-8")  # no line starts or ends inside a character
    unfolded = ics.replace(b"\r\n ", b"").decode()
    assert "SUMMARY:Tapas\\, vino\\; y \\\\ paella" in unfolded
    assert "\\nsegunda línea" in unfolded
    assert "LOCATION:Plaza Mayor\\, 1\\; puerta \\\\ norte\\, Calle Toledo 2\\, Madrid" in unfolded
    event = event_of(ics)
    assert str(event["summary"]) == title
    assert str(event["location"]) == f"{meeting}, Calle Toledo 2, Madrid"


# --- Mail bodies and headers -------------------------------------------------------------------


def test_a_host_is_told_of_a_booking_at_the_time_their_listing_takes_place(
    guest: User, sink: SmtpSink
) -> None:
    """A host in Madrid who never set a time zone in their account (the default, UTC) gets
    "new booking" and "cancelled" mails for their 10:00 tour. The guest's own mails say "10
    a.m. CEST (local time, Europe/Madrid)"; the host's say "8 a.m.", with no zone at all: the
    notification text shows times in the reader's account zone only, unlabelled. The host
    should read the time their listing takes place (as the guest does)."""
    booking = book(guest)
    host = booking.listing.host.user
    assert host.reading_time_zone == "UTC"
    deliver(sink)  # the worker announces the booking before the guest cancels it
    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())

    mails = to(deliver(sink), host)

    assert len(mails) == 2
    for mail in mails:
        body = text_of(mail)
        assert "March 30, 2031" in body
        assert "10 a.m." in body, f"the host reads another time than their tour's: {body!r}"


def test_a_name_or_title_with_a_line_break_cannot_add_a_header(guest: User, sink: SmtpSink) -> None:
    """A title and a guest's name are typed by users; CR/LF in them must not start a header of
    their own (Bcc) in the confirmation, the host's mail or the transfer mail."""
    User.objects.filter(pk=guest.pk).update(first_name="Ada\r\nBcc: thief@example.org")
    guest.refresh_from_db()
    booking = book(guest, title="Harbour\r\nBcc: thief@example.org")
    services.offer_transfer(
        guest=guest, reference=booking.reference, to_email="friend@example.org", now=timezone.now()
    )

    mails = deliver(sink)

    assert len(mails) == 3  # confirmation, host's "new booking", transfer offer
    for mail in mails:
        assert mail["Bcc"] is None
        assert "\n" not in str(mail["Subject"])
    for raw in sink.recorder.messages:
        headers = raw.split(b"\r\n\r\n")[0]
        assert b"\r\nBcc:" not in headers  # "thief" only ever in a folded Subject line


def test_a_booking_mail_is_complete_absolute_and_free_of_ids(guest: User, sink: SmtpSink) -> None:
    """The confirmation has a text and an HTML alternative that say the same (the reference,
    the local time), links built from SITE_URL that carry the reference and never a database
    id, and the headers automatic mail needs."""
    booking = book(guest)

    [mail] = to(deliver(sink), guest)

    text = text_of(mail)
    html_part = mail.get_body(preferencelist=("html",))
    assert html_part is not None
    html = str(html_part.get_content())
    link = f"{settings.SITE_URL}/bookings/{booking.reference}/"
    for body in (text, html):
        assert booking.reference in body
        assert "10 a.m. CEST" in body
        assert link in body
        assert f"/{booking.pk}/" not in body
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Date"] is not None
    message = OutboxMessage.objects.get(kind=emails.KIND, payload__to=guest.email)
    assert mail["Message-ID"] == emails.message_id(message)


# --- The reminder ------------------------------------------------------------------------------


def due_reminders_now() -> None:
    OutboxMessage.objects.filter(kind="bookings.remind").update(
        due_at=timezone.now() - timedelta(seconds=1)
    )


def reminders(mails: list[EmailMessage]) -> list[EmailMessage]:
    return [mail for mail in mails if str(mail["Subject"]).startswith("Reminder:")]


def test_the_reminder_goes_once_to_whoever_holds_the_booking_then(
    guest: User, sink: SmtpSink
) -> None:
    """A due row 24 h before the start; by then the booking was handed on: the reminder goes
    to the new guest, once (the relay runs again and sends nothing more), and not to the old
    one."""
    start = timezone.now() + timedelta(days=3)
    booking = book(guest, start=start)
    deliver(sink)  # the worker announces the confirmation and plans the reminder
    [row] = OutboxMessage.objects.filter(kind="bookings.remind")
    assert row.due_at == start - timedelta(hours=24)
    friend = UserFactory.create(email="friend@example.org")
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=friend.email, now=timezone.now()
    )
    services.accept_transfer(user=friend, secret=secret, now=timezone.now())
    deliver(sink)
    due_reminders_now()

    mails = deliver(sink)
    mails = deliver(sink)

    [reminder] = reminders(mails)
    assert reminder["To"] == friend.email
    assert booking.reference in text_of(reminder)


def test_no_reminder_for_a_cancelled_booking_nor_one_made_within_a_day(
    guest: User, sink: SmtpSink
) -> None:
    start = timezone.now() + timedelta(days=3)
    cancelled = book(guest, start=start)
    deliver(sink)  # the worker announces it and plans its reminder, then the guest cancels
    services.cancel_booking(guest=guest, reference=cancelled.reference, now=timezone.now())
    book(guest, start=timezone.now() + timedelta(hours=20))
    deliver(sink)
    due_reminders_now()

    mails = deliver(sink)

    assert reminders(mails) == []
    assert OutboxMessage.objects.filter(kind="bookings.remind").count() == 1  # the cancelled one


def test_a_booking_cancelled_at_once_is_not_announced_as_booked_after_its_cancellation(
    guest: User, sink: SmtpSink
) -> None:
    """The guest confirms and cancels a moment later, before a worker has taken the
    `bookings.confirmed` row (a busy urgent queue). The cancellation's mails are written in the
    cancelling transaction; the confirmation's only when the worker announces it, so they are
    queued after the cancellation's: the guest reads "Booking cancelled" and then "Booked: ...
    your booking is confirmed", the host "A guest cancelled" and then "New booking" (for a
    booking that no longer exists). The last word each of them gets must be the
    cancellation."""
    booking = book(guest)
    host = booking.listing.host.user
    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())

    mails = deliver(sink)

    guests = [str(mail["Subject"]) for mail in to(mails, guest)]
    named = f"{booking.listing.title} ({booking.reference})"
    assert guests[-1] == f"Booking cancelled: {named}", f"the guest's mails, in order: {guests}"
    hosts = [str(mail["Subject"]) for mail in to(mails, host)]
    assert hosts[-1] == f"A guest cancelled: {named}", f"the host's mails, in order: {hosts}"


def test_a_request_to_approve_reaches_the_host_in_the_hosts_language(
    guest: User, sink: SmtpSink
) -> None:
    """An English guest asks to book a listing without instant booking; its German host gets
    the request in German, with an absolute link to where they answer it."""
    slot = SlotFactory.create(
        listing=ListingFactory.create(instant_booking=False), starts_at=MADRID_START
    )
    host = slot.listing.host.user
    User.objects.filter(pk=host.pk).update(preferred_language="de", first_name="Jörg")
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())

    [mail] = to(deliver(sink), host)

    assert mail["Subject"] == f"Buchungsanfrage: {slot.listing.title} ({held.reference})"
    body = text_of(mail)
    assert body.startswith("Hallo Jörg,")
    assert f"In Outings öffnen: {settings.SITE_URL}/host/" in body
