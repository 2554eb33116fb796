"""A booking as a calendar event: the ICS file attached to mails and served on the booking page,
and "add to calendar" links. Times are written in the listing's own time zone (with its
VTIMEZONE, so a date across a DST change shows at the right wall-clock time everywhere)."""

from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from urllib.parse import quote, urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from icalendar import Calendar, Event, vCalAddress

from outings.bookings.models import Booking
from outings.common.zones import zone_or_utc
from outings.notifications.emails import Attachment, attachment

PRODID = "-//Outings//Bookings//EN"
# An event to add (or update) is published; one to take out is cancelled (RFC 5546 §3.2.5):
# mail programs remove an event for a CANCEL of its UID, and kept one that was published again
# marked STATUS:CANCELLED (Outlook shows it as it was).
METHOD = "PUBLISH"
CANCEL = "CANCEL"
ZONE_MARGIN = timedelta(days=366)  # the VTIMEZONE covers a year either side of the event


def _where(booking: Booking) -> str:
    listing = booking.listing
    parts = [listing.meeting_point, listing.address, listing.city]
    return ", ".join(part for part in parts if part)


def _details(booking: Booking) -> str:
    url = settings.SITE_URL + reverse("bookings:detail", args=[booking.reference])
    text = ngettext(
        "Booking %(reference)s, %(seats)s seat. %(url)s",
        "Booking %(reference)s, %(seats)s seats. %(url)s",
        booking.seats,
    )
    return text % {"reference": booking.reference, "seats": booking.seats, "url": url}


def _local(moment: datetime, booking: Booking) -> datetime:
    # zone_or_utc: a listing's unknown zone (staff can type any in the admin) must not break
    # its booking pages and mails.
    return moment.astimezone(zone_or_utc(booking.listing.time_zone))


def _repeated(local: datetime) -> bool:
    """Whether `local` is the second occurrence of a wall-clock time its zone has twice (the
    night the clocks go back)."""
    return bool(local.fold) and local.replace(fold=0).astimezone(UTC) != local.astimezone(UTC)


def _written(moment: datetime, booking: Booking) -> datetime:
    """`moment` as an invite writes it: at the listing's time with its zone, but in UTC when it
    is the second occurrence of a repeated wall-clock time, which a calendar reads as the first
    (RFC 5545 §3.3.5: an hour early; a tour ending at the second 02:30 lasted an hour less)."""
    local = _local(moment, booking)
    return moment.astimezone(UTC) if _repeated(local) else local


def _organizer(booking: Booking) -> vCalAddress:
    """The host by name, at the site's sender address: a PUBLISH event must name exactly one
    organizer (RFC 5546 §3.2.1), and the host's own address is theirs to give, not ours."""
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = booking.listing.host.display_name
    return organizer


def method_of(booking: Booking, *, withdrawn: bool = False) -> str:
    """The iTIP method of the booking's event for its reader: CANCEL once it no longer holds
    for them (the booking ended, a hold or request whose time ran out, swept or not, or they
    handed it on), else PUBLISH."""
    return CANCEL if withdrawn or booking.shown_status not in Booking.ACTIVE else METHOD


def _event_status(booking: Booking, method: str) -> str:
    """The event's STATUS (RFC 5545 §3.8.1.11): CONFIRMED for a confirmed booking, TENTATIVE
    for a hold or request still waiting for the guest or the host, CANCELLED once withdrawn."""
    if method == CANCEL:
        return "CANCELLED"
    return "CONFIRMED" if booking.status == Booking.Status.CONFIRMED else "TENTATIVE"


def ics(booking: Booking, *, withdrawn: bool = False, attendee: str = "") -> bytes:
    """The booking as an iCalendar file with one event. Its UID stays the same for the life of
    the booking and SEQUENCE follows its version, so a calendar updates the event it already has
    (a cancellation marks it cancelled). `withdrawn`: the booking goes on, but no longer for
    whoever reads this (a guest who handed it on), so the event is marked cancelled with the
    SEQUENCE after the booking's: above that of any invite they were sent, also one rendered
    as late as this one (a confirmation the worker announced after the transfer). DTSTAMP is
    when the file is written: with SEQUENCE, it orders two versions of one event (RFC 5546
    §2.1.5). A cancelled event is a METHOD:CANCEL object naming the guest it is taken from as
    ATTENDEE (RFC 5546 §3.2.5): `attendee`, whoever reads it (the guest who handed it on), by
    default the booking's guest."""
    method = method_of(booking, withdrawn=withdrawn)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"booking-{booking.reference}@outings")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", _written(booking.slot.starts_at, booking))
    event.add("dtend", _written(booking.slot.ends_at, booking))
    event.add("summary", booking.listing.title)
    event.add("description", _details(booking))
    event.add("location", _where(booking))
    event.add("organizer", _organizer(booking))
    event.add("sequence", booking.version + 1 if withdrawn else booking.version)
    event.add("status", _event_status(booking, method))
    if method == CANCEL:
        event.add("attendee", vCalAddress(f"mailto:{attendee or booking.guest.email}"))
    calendar.add_component(event)
    # The zone's rules around the event only: icalendar's default range stops in 2038 (a later
    # date would read in standard time all year), and 68 years of rules are 2.5 KB per invite.
    calendar.add_missing_timezones(
        first_date=booking.slot.starts_at.date() - ZONE_MARGIN,
        last_date=booking.slot.ends_at.date() + ZONE_MARGIN,
    )
    return bytes(calendar.to_ical())


@attachment("booking.ics")
def ics_attachment(
    *, reference: str, withdrawn: bool = False, attendee: str = ""
) -> Attachment | None:
    booking = (
        Booking.objects.select_related("slot", "listing__host", "guest")
        .filter(reference=reference)
        .first()
    )
    if booking is None:
        return None
    return Attachment(
        filename=f"outings-{booking.reference}.ics",
        content=ics(booking, withdrawn=withdrawn, attendee=attendee),
        mimetype="text/calendar",
        # iMIP (RFC 6047 §2.4): the part names the object's METHOD; mail programs decide from it.
        parameters=(("method", method_of(booking, withdrawn=withdrawn)),),
    )


def google_calendar_url(booking: Booking) -> str:
    """Times at the listing's wall-clock time with its zone (`ctz`), or both in UTC ("Z") when
    either is the second occurrence of a repeated one, which Google reads as the first."""
    zone = str(zone_or_utc(booking.listing.time_zone))
    start, end = _local(booking.slot.starts_at, booking), _local(booking.slot.ends_at, booking)
    form = "%Y%m%dT%H%M%S"
    if _repeated(start) or _repeated(end):
        start, end, form = start.astimezone(UTC), end.astimezone(UTC), "%Y%m%dT%H%M%SZ"
    query = {
        "action": "TEMPLATE",
        "text": booking.listing.title,
        "dates": f"{start:{form}}/{end:{form}}",
        "ctz": zone,
        "details": _details(booking),
        "location": _where(booking),
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_calendar_url(booking: Booking) -> str:
    """Written as outlook.live.com reads it: its deeplink shows a "+" in a value as a plus sign
    (not a space) and reads "%2B" as a space, so spaces go as "%20" and times in UTC with "Z"
    (an offset's "+00:00" reached it as " 00:00")."""
    utc = "%Y-%m-%dT%H:%M:%SZ"
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": booking.listing.title,
        "startdt": booking.slot.starts_at.astimezone(UTC).strftime(utc),
        "enddt": booking.slot.ends_at.astimezone(UTC).strftime(utc),
        "body": _details(booking),
        "location": _where(booking),
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(
        query, quote_via=quote
    )
