"""What a notification says, rendered in the active language and time zone.

Notifications store a kind and data, never text: the same row reads in English for one user and
in German for another. A time reads at the wall-clock time of the place the data names
(`time_zone`, the listing's), with its zone's abbreviation and, when the reader's clock reads
otherwise, the reader's time after it; without a place, in the reader's zone, named too.
Callers render inside `translation.override(...)` and `timezone.override(...)` when the reader
is not the requester.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outings.common.zones import same_clock, zone_or_utc
from outings.notifications.models import EmailPreferences, Notification
from outings.web.formatting import format_money

Kind = Notification.Kind
Topic = EmailPreferences.Topic

TOPIC_OF_KIND: dict[str, str] = {
    Kind.BOOKING_CONFIRMED: Topic.BOOKINGS,
    Kind.BOOKING_CANCELLED: Topic.BOOKINGS,
    Kind.BOOKING_RECEIVED: Topic.BOOKINGS,
    Kind.LISTING_APPROVED: Topic.LISTINGS,
    Kind.LISTING_REJECTED: Topic.LISTINGS,
    Kind.WAITLIST_OFFER: Topic.WAITLIST,
    Kind.BOOKING_REQUESTED: Topic.BOOKINGS,
    Kind.BOOKING_DECLINED: Topic.BOOKINGS,
    Kind.BOOKING_CANCELLED_FOR_HOST: Topic.BOOKINGS,
    Kind.BOOKING_TRANSFERRED: Topic.BOOKINGS,
    Kind.SLOT_MINIMUM_MET: Topic.BOOKINGS,
    Kind.BOOKING_RETIMED: Topic.BOOKINGS,
    Kind.WAITLIST_CLOSED: Topic.WAITLIST,
    Kind.BOOKING_CANCELLED_BY_STAFF: Topic.BOOKINGS,
    Kind.SLOT_CANCELLED: Topic.BOOKINGS,
    Kind.WAITLIST_MOVED: Topic.WAITLIST,
}

# About the account itself, not a topic one may opt out of: always mailed, with no unsubscribe
# link (a host whose listings staff took off the site must hear it even with "My listings"
# mail switched off).
ACCOUNT_KINDS = frozenset({Kind.HOST_SUSPENDED, Kind.HOST_REINSTATED})

BODIES = {
    Kind.BOOKING_CONFIRMED: _("Your booking for “%(listing)s” on %(starts_at)s is confirmed."),
    Kind.BOOKING_CANCELLED: _("Your booking for “%(listing)s” on %(starts_at)s was cancelled."),
    Kind.BOOKING_RECEIVED: _("%(guest)s booked %(seats)s for “%(listing)s” on %(starts_at)s."),
    Kind.LISTING_APPROVED: _("“%(listing)s” is now published."),
    # Staff's reason (data "reason") follows; without one, NO_REASON.
    Kind.LISTING_REJECTED: _(
        "“%(listing)s” needs changes before it can be published. Our team's note: %(reason)s"
    ),
    Kind.WAITLIST_OFFER: _(
        "A seat is free for “%(listing)s” on %(starts_at)s; it is held for you until "
        "%(expires_at)s."
    ),
    Kind.BOOKING_REQUESTED: _(
        "%(guest)s asks to book %(seats)s for “%(listing)s” on %(starts_at)s. Accept or decline "
        "by %(expires_at)s."
    ),
    Kind.BOOKING_DECLINED: _(
        "Your request for “%(listing)s” on %(starts_at)s was not accepted; nothing is due."
    ),
    Kind.BOOKING_CANCELLED_FOR_HOST: _(
        "%(guest)s cancelled %(seats)s for “%(listing)s” on %(starts_at)s."
    ),
    Kind.BOOKING_TRANSFERRED: _(
        "The booking %(reference)s for “%(listing)s” on %(starts_at)s is now in the name of "
        "%(guest)s."
    ),
    Kind.SLOT_MINIMUM_MET: _(
        "“%(listing)s” on %(starts_at)s has enough guests: it will take place."
    ),
    Kind.BOOKING_RETIMED: _(
        "“%(listing)s” on %(starts_at)s now ends at %(ends_at)s; your calendar event has the new "
        "time."
    ),
    Kind.WAITLIST_CLOSED: _(
        "“%(listing)s” on %(starts_at)s was cancelled; you are no longer on its waiting list."
    ),
    # The reason staff gave is in the mail's facts (texts.booking_facts), as in the guest's.
    Kind.BOOKING_CANCELLED_BY_STAFF: _(
        "Our team cancelled the booking %(reference)s for “%(listing)s” on %(starts_at)s, in "
        "the name of %(guest)s; the guest is told."
    ),
    # A date staff cancelled with guests on it; the others: SLOT_CANCELLED_BODIES.
    Kind.SLOT_CANCELLED: _(
        "Our team cancelled “%(listing)s” on %(starts_at)s; every guest booked on it is told "
        "and due a full refund."
    ),
    # Its start moved too (data "was_starts_at"): MOVED_BODIES["waiting"].
    Kind.WAITLIST_MOVED: _(
        "“%(listing)s” on %(starts_at)s now ends at %(ends_at)s; you keep your place on its "
        "waiting list. If the new time does not suit you, leave the list from your bookings."
    ),
    # Staff's reason (data "reason") follows; without one, NO_REASON's.
    Kind.HOST_SUSPENDED: _(
        "Your host account is suspended: your listings are off the site and you cannot change "
        "them until it is lifted; bookings already made stand. Our team's note: %(reason)s"
    ),
    Kind.HOST_REINSTATED: _(
        "Your host account is active again: your published listings are back on the site. Our "
        "team's note: %(reason)s"
    ),
}


# What a kind says about a booking that is not confirmed yet (data "status"): a hold or a request
# put nothing in the guest's calendar.
PENDING_BODIES: dict[tuple[str, str], Any] = {
    (Kind.BOOKING_RETIMED, "held"): _(
        "“%(listing)s” on %(starts_at)s now ends at %(ends_at)s. Your seats stay held at the new "
        "time until %(expires_at)s."
    ),
    (Kind.BOOKING_RETIMED, "requested"): _(
        "“%(listing)s” on %(starts_at)s now ends at %(ends_at)s. Your request stands at the new "
        "time; the host answers by %(expires_at)s."
    ),
}


# What BOOKING_RETIMED (and WAITLIST_MOVED, status "waiting") says when the date's start moved
# too (staff corrected its times; data "was_starts_at", the start the guest knew): the new start
# and end, not only a new end.
MOVED_BODIES: dict[str, Any] = {
    "confirmed": _(
        "“%(listing)s”, which was on %(was_starts_at)s, now starts at %(starts_at)s and ends at "
        "%(ends_at)s; your calendar event has the new time."
    ),
    "held": _(
        "“%(listing)s”, which was on %(was_starts_at)s, now starts at %(starts_at)s and ends at "
        "%(ends_at)s. Your seats stay held at the new time until %(expires_at)s."
    ),
    "requested": _(
        "“%(listing)s”, which was on %(was_starts_at)s, now starts at %(starts_at)s and ends at "
        "%(ends_at)s. Your request stands at the new time; the host answers by %(expires_at)s."
    ),
    "waiting": _(
        "“%(listing)s”, which was on %(was_starts_at)s, now starts at %(starts_at)s and ends at "
        "%(ends_at)s; you keep your place on its waiting list. If the new time does not suit "
        "you, leave the list from your bookings."
    ),
}


# What SLOT_CANCELLED says of a date nobody had booked that staff cancelled (data "booked"
# false), and of one the minimum's cut-off cancelled (data "by": "system"); staff's reason, when
# they gave one, follows in STAFF_NOTE.
SLOT_CANCELLED_BODIES: dict[str, Any] = {
    "unbooked": _("Our team cancelled “%(listing)s” on %(starts_at)s; nobody had booked it."),
    "system": _(
        "“%(listing)s” on %(starts_at)s is cancelled: fewer guests than its minimum of "
        "%(minimum)s had booked it by the cut-off; every guest booked on it is told and due a "
        "full refund."
    ),
}
STAFF_NOTE = _("Our team's note: %(reason)s")


# What WAITLIST_CLOSED says, and is called, when the date's places went below the guest's group
# (data "capacity"): nothing could ever be offered to it (bookings: close_entries_too_big).
TOO_BIG_TITLE = _("No longer on the waiting list")
TOO_BIG = _(
    "“%(listing)s” on %(starts_at)s now has %(capacity)s places in all, fewer than your group "
    "of %(seats)s: you are no longer on its waiting list. Its other dates may have room for you."
)


# What SLOT_MINIMUM_MET says before the cut-off decided the date (data "decided_at", the
# cut-off, and "minimum"): cancellations may still take it below its minimum by then, and the
# cut-off then cancels it. Told so as "it will take place" until session 24.
MINIMUM_MET_UNDECIDED = _(
    "“%(listing)s” on %(starts_at)s has enough guests so far: %(minimum)s or more have booked. "
    "It takes place unless cancellations take it below %(minimum)s by %(decided_at)s; then it "
    "is cancelled and you get everything back."
)


# What a kind says without staff's reason (reject_listing requires one; data without it still
# reads; a suspension or its end may come without one).
NO_REASON: dict[str, Any] = {
    Kind.LISTING_REJECTED: _("“%(listing)s” needs changes before it can be published."),
    Kind.HOST_SUSPENDED: _(
        "Your host account is suspended: your listings are off the site and you cannot change "
        "them until it is lifted; bookings already made stand. Contact us to ask why."
    ),
    Kind.HOST_REINSTATED: _(
        "Your host account is active again: your published listings are back on the site."
    ),
}


# What the link a notification leads to is called in its mail ("Open it in Outings" otherwise).
LINKS: dict[str, Any] = {
    Kind.LISTING_APPROVED: _("See it on the site"),
    Kind.LISTING_REJECTED: _("Edit and submit again"),
    Kind.HOST_SUSPENDED: _("Your hosting page"),
    Kind.HOST_REINSTATED: _("Your hosting page"),
}


def _template(kind: str, data: Mapping[str, Any]) -> str:
    if kind == Kind.SLOT_CANCELLED:
        return _slot_cancelled(data)
    if kind == Kind.SLOT_MINIMUM_MET and data.get("decided_at"):
        return str(MINIMUM_MET_UNDECIDED)
    if kind == Kind.WAITLIST_CLOSED and data.get("capacity"):
        return str(TOO_BIG)
    if kind in NO_REASON and not str(data.get("reason") or "").strip():
        return str(NO_REASON[kind])
    status = str(data.get("status"))
    if kind in (Kind.BOOKING_RETIMED, Kind.WAITLIST_MOVED) and data.get("was_starts_at"):
        return str(MOVED_BODIES.get(status, MOVED_BODIES["confirmed"]))
    return str(PENDING_BODIES.get((kind, status), BODIES[Kind(kind)]))


def _slot_cancelled(data: Mapping[str, Any]) -> str:
    if data.get("by") == "system":
        return str(SLOT_CANCELLED_BODIES["system"])
    body = str(
        BODIES[Kind.SLOT_CANCELLED] if data.get("booked") else SLOT_CANCELLED_BODIES["unbooked"]
    )
    if str(data.get("reason") or "").strip():
        body = f"{body} {STAFF_NOTE}"
    return body


@dataclass(frozen=True)
class Text:
    title: str
    body: str
    # The body for a page: escaped, the listing's title marked with the language it is written
    # in (`listing_language` in the data; a notification made before it was stored has none).
    body_html: SafeString = field(default_factory=lambda: mark_safe(""))
    # The body for a script that builds it from text nodes (live.js): its runs of text, each
    # with the language it is written in ("" for the body's own, the listing's title its own).
    body_parts: tuple[tuple[str, str], ...] = ()
    # What the link to where it leads (the notification's url) says in a mail.
    link: str = ""


class _Values(dict[str, str]):
    """Format values; a key the data lacks reads as an ellipsis instead of raising."""

    def __missing__(self, key: str) -> str:
        return "…"


def _display(key: str, value: Any, *, zone: str) -> str:
    if key.endswith("_at") and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, UTC)
            return _moment(moment, zone=zone)
    return str(value)


def _moment(moment: datetime, *, zone: str) -> str:
    """ "March 30, 2031, 10 a.m. CEST (your time: Sun 8 a.m. UTC)", as the booking pages show a
    date (bookings/_when.html): where it happens, then the reader's clock if it differs. Data
    that names no place (a row stored before zones were, naming no booking) reads on the
    reader's clock, its zone named too: "March 30, 2031, 10 a.m. CEST"."""
    mine = timezone.localtime(moment)
    if not zone:
        return f"{formats.date_format(mine, 'DATETIME_FORMAT')} {formats.date_format(mine, 'T')}"
    place = zone_or_utc(zone)
    local = timezone.localtime(moment, place)
    there = f"{formats.date_format(local, 'DATETIME_FORMAT')} {formats.date_format(local, 'T')}"
    if same_clock(moment, timezone.get_current_timezone(), place):
        return there
    yours = gettext("your time: %(day)s %(time)s %(tz)s") % {
        "day": formats.date_format(mine, "D"),
        "time": formats.time_format(mine, "TIME_FORMAT"),
        "tz": formats.date_format(mine, "T"),
    }
    return f"{there} ({yours})"


@dataclass(frozen=True)
class BookingFacts:
    """The facts of the booking a notification is about, as its mail lists them under the text
    (what, when, how many, which reference, what is due back and why), rendered in the active
    language; `starts_at` is shown at the listing's time (`time_zone`) and the reader's."""

    listing: str
    starts_at: datetime | None
    time_zone: str
    seats: str
    reference: str
    refund: str
    reason: str


def booking_facts(data: Mapping[str, Any]) -> BookingFacts | None:
    """The booking `data` names (bookings/effects.py `booking_data`), or None if it names none."""
    if not data.get("reference"):
        return None
    starts_at = parse_datetime(str(data.get("starts_at") or ""))
    if starts_at is not None and timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at, UTC)
    refund = data.get("refund")
    return BookingFacts(
        listing=str(data.get("listing") or ""),
        starts_at=starts_at,
        time_zone=str(data.get("time_zone") or ""),
        seats=str(data.get("seats") or ""),
        reference=str(data["reference"]),
        refund=format_money(int(refund), str(data.get("currency") or ""))
        if isinstance(refund, int) and not isinstance(refund, bool) and data.get("currency")
        else "",
        reason=_reason(data),
    )


def _reason(data: Mapping[str, Any]) -> str:
    """The data's reason: a person's as they wrote it; ours (the system's, or one marked
    "reason_is_ours": the admin's) is stored as its English msgid and read in the reader's
    language (bookings: Booking.shown_reason, effects.reason_data)."""
    reason = str(data.get("reason") or "")
    if reason and (data.get("by") == "system" or data.get("reason_is_ours")):
        return gettext(reason)
    return reason


def render(kind: str, data: Mapping[str, Any]) -> Text:
    zone = str(data.get("time_zone") or "")
    values = _Values({key: _display(key, value, zone=zone) for key, value in data.items()})
    if "reason" in data:
        values["reason"] = _reason(data)
    link = str(LINKS.get(kind, _("Open it in Outings")))
    try:
        title = str(Kind(kind).label)
    except ValueError:
        return Text(title=kind, body="", link=link)
    if kind == Kind.WAITLIST_CLOSED and data.get("capacity"):
        title = str(TOO_BIG_TITLE)  # the date was not cancelled
    template = _template(kind, data)
    # A value's own lines (staff's reason for sending a listing back) stay lines on a page.
    marked = _Values(
        {key: conditional_escape(value).replace("\n", "<br>") for key, value in values.items()}
    )
    if data.get("listing_language") and "listing" in values:
        marked["listing"] = format_html(
            '<span lang="{}">{}</span>', data["listing_language"], values["listing"]
        )
    body = _fill(template, values)
    return Text(
        title=title,
        body=body,
        body_html=mark_safe(_fill(conditional_escape(template), marked)),  # noqa: S308 - escaped
        body_parts=_parts(template, values, str(data.get("listing_language") or ""))
        or ((body, ""),),
        link=link,
    )


_TITLE = "\x00"  # stands for the listing's title while the body is cut into parts (no text has it)


def _parts(template: str, values: _Values, language: str) -> tuple[tuple[str, str], ...]:
    """The body's runs of text, the listing's title marked with its `language` (none without a
    language or a title to mark)."""
    if not language or "listing" not in values:
        return ()
    runs = _fill(template, _Values({**values, "listing": _TITLE})).split(_TITLE)
    parts: list[tuple[str, str]] = []
    for index, run in enumerate(runs):
        if index:
            parts.append((values["listing"], language))
        if run:
            parts.append((run, ""))
    return tuple(parts)


def _fill(template: str, values: _Values) -> str:
    text = template % values
    for key, value in values.items():
        # "10 a.m." at the end of a sentence takes no second full stop.
        if key.endswith("_at") and value.endswith("."):
            text = text.replace(f"{value}.", value)
    return text
