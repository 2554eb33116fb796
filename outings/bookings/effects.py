"""What the world hears when a booking changes: notifications, mail, live events, statistics and
due rows. Every function here is called inside the transaction of the change and only writes
rows (outbox, inbox) or registers on-commit callbacks, so nothing leaves before the change commits
and nothing is lost after it does."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from outings.accounts.models import User
from outings.accounts.selectors import users_with_address
from outings.bookings.models import OUR_REASONS, Booking, Transfer, WaitlistEntry
from outings.catalog.models import Listing
from outings.common import outbox
from outings.notifications import emails, live
from outings.notifications.models import Notification
from outings.notifications.services import notify
from outings.scheduling.models import Slot
from outings.stats.selectors import day_of
from outings.stats.services import add_bookings

Kind = Notification.Kind

EXPIRE = "bookings.expire"
CONFIRMED = "bookings.confirmed"
REMIND = "bookings.remind"
REFUND = "bookings.refund"
# The news of a booking's mail that is no notification's (the reminder), held to the booking as
# it was written like a notice's (`send_booking_mail`, `_still_holds`).
BOOKING_MAIL = "booking.mail"
# The news of the mail that offers a booking to an address: the offer stands (`_offer_stands`).
TRANSFER_MAIL = "booking.transfer"


def booking_url(booking: Booking) -> str:
    return reverse("bookings:detail", args=[booking.reference])


def roster_url(booking: Booking) -> str:
    return reverse("hosting:roster", args=[booking.slot_id])


def booking_data(booking: Booking, **extra: object) -> dict[str, object]:
    return {
        "reference": booking.reference,
        "listing": booking.listing.title,
        "listing_language": booking.listing.content_language,  # the title's (texts.py)
        "starts_at": booking.slot.starts_at.isoformat(),
        # Its times read where it takes place, whoever reads them (notifications/texts.py).
        "time_zone": booking.listing.time_zone,
        "seats": booking.seats,
        **extra,
    }


def reason_data(reason: str) -> dict[str, object]:
    """A reason in a notice's data: a person's as they wrote it; ours (OUR_REASONS, stored as
    its English msgid) marked, so that each reader reads it in their language (texts.py)."""
    if reason in OUR_REASONS:
        return {"reason": reason, "reason_is_ours": True}
    return {"reason": reason}


def date_data(slot: Slot, **extra: object) -> dict[str, object]:
    """What a notice about a date, not a booking, gives (texts.py): its listing and start, read
    at the listing's time."""
    listing = slot.listing
    return {
        "listing": listing.title,
        "listing_language": listing.content_language,
        "starts_at": slot.starts_at.isoformat(),
        "time_zone": listing.time_zone,
        **extra,
    }


def _host_user(booking: Booking) -> User:
    return booking.listing.host.user


def host_dashboard_changed(booking: Booking, *, event: str) -> None:
    """The host's open dashboard and roster pages refresh their numbers."""
    live.publish_on_commit(
        live.user_group(_host_user(booking).pk),
        {
            "type": "booking",
            "event": event,
            "reference": booking.reference,
            "listing": booking.listing_id,
            "slot": booking.slot_id,
            "seats": booking.seats,
            "status": booking.status,
        },
    )


def pending(booking: Booking) -> None:
    """A hold or a request was made: it lapses at expires_at through a due outbox row."""
    assert booking.expires_at is not None
    outbox.enqueue(kind=EXPIRE, payload={"booking": booking.pk}, due_at=booking.expires_at)


def requested(booking: Booking) -> None:
    """The host is asked to answer by the time the request lapses (holds._lapses_at: a day at
    most, sooner when the date starts sooner); a mail not gone by then is not sent (`until`:
    "accept or decline by" a time past)."""
    assert booking.expires_at is not None
    notify(
        user=_host_user(booking),
        kind=Kind.BOOKING_REQUESTED,
        data=booking_data(
            booking,
            guest=booking.guest.get_full_name() or booking.guest.email,
            expires_at=booking.expires_at.isoformat(),
        ),
        url=roster_url(booking),
        until=booking.expires_at,
    )
    host_dashboard_changed(booking, event="requested")


def confirmed(booking: Booking, *, now: datetime) -> None:
    """A booking was confirmed: one urgent outbox row in the confirming transaction. The worker
    then tells everyone (`announce_confirmed`), so that the request that confirms only writes:
    two notifications, a mail with its invite, a live event, the day's count and a due reminder
    cost a confirm twice its seat logic (docs/benchmarks.md, "Bookings")."""
    outbox.enqueue(
        kind=CONFIRMED,
        payload={"booking": booking.pk, "guest": booking.guest_id, "at": now.isoformat()},
    )


def announce_confirmed(booking: Booking, *, guest: User, at: datetime) -> None:
    """The outbox handler's work for `confirmed`: confirmation mail with a calendar invite to the
    guest who confirmed, the host told, the day counted, a reminder due REMINDER_HOURS before
    the start (its handler checks, when due, that the booking still stands). Call holding the
    booking's row lock, with the booking still confirmed (services.announce_confirmation).

    A booking handed on before this ran is not announced to a guest: the transfer told the
    guest who confirmed that it is no longer theirs (their calendar event withdrawn) and sent
    its new holder the confirmation with the invite; a "Booked" mail after that would put the
    date back into the calendar of someone who no longer holds it (or confirm it twice to a
    guest it came back to)."""
    if not Transfer.objects.filter(booking=booking, status=Transfer.Status.ACCEPTED).exists():
        _confirm_to(booking, guest=guest)
    notify(
        user=_host_user(booking),
        kind=Kind.BOOKING_RECEIVED,
        data=booking_data(booking, guest=guest.get_full_name() or guest.email),
        url=roster_url(booking),
    )
    host_dashboard_changed(booking, event="confirmed")
    # Counted once (the caller holds the booking's lock and found it confirmed). A cancellation
    # takes it off the day it was counted on, and only if it was (`ended`).
    day = day_of(booking.listing, at)  # the listing's own day, as its views
    if Booking.objects.filter(
        pk=booking.pk, status=Booking.Status.CONFIRMED, counted_on__isnull=True
    ).update(counted_on=day):
        add_bookings(listing_id=booking.listing_id, day=day, count=1)
    plan_reminder(booking, now=at)


def _confirm_to(booking: Booking, *, guest: User) -> None:
    """The "Booked" notice in the guest's inbox, and its mail with the invite (the mail says it:
    the notice sends none of its own). The mail tells the notice's news (`send_booking_mail`):
    it goes only while the booking is at this version and its date at these times; a date moved
    before it went has it written again at the new time (bookings/retiming.py)."""
    notice = notify(
        user=guest,
        kind=Kind.BOOKING_CONFIRMED,
        # The version marks a notice whose mail tells its news, and its times are what the
        # guest's mailbox says once it went (retiming._confirmation_unsent, _last_told).
        data=booking_data(
            booking, version=booking.version, ends_at=booking.slot.ends_at.isoformat()
        ),
        url=booking_url(booking),
        email=False,
    )
    send_booking_mail(booking, template="booking_confirmed", to=guest, notice=notice)


def plan_reminder(booking: Booking, *, now: datetime) -> None:
    """A due row REMINDER_HOURS before the date's start as it is now, unless that time has
    passed (a booking made, or a date moved, within a day of its start) or one is planned for
    this start already (`reminder_for`): the confirmation's announcement and every move of the
    date call this, in any order, and the guest is reminded once. A reminder planned for
    another start sends nothing, nor one for a start whose reminder went (remind_guest). Call
    holding the booking's row lock."""
    starts_at = booking.slot.starts_at
    remind_at = starts_at - timedelta(hours=settings.BOOKINGS_REMINDER_HOURS)
    if remind_at <= now:
        return
    if (
        Booking.objects.filter(pk=booking.pk)
        .exclude(reminder_for=starts_at)
        .update(reminder_for=starts_at)
    ):
        outbox.enqueue(
            kind=REMIND,
            payload={"booking": booking.pk, "starts_at": starts_at.isoformat()},
            due_at=remind_at,
        )


def ended(booking: Booking, *, was: str, by: str, tell_host: bool = True) -> None:
    """A booking was cancelled, declined or expired (its seats are already released). The host
    hears of a booking they knew of (confirmed or requested) that its guest or staff cancelled,
    as who did; not with `tell_host` false: its whole date was cancelled, and the host hears of
    that once (`slot_cancelled`)."""
    if was == Booking.Status.CONFIRMED and booking.counted_on is not None:
        add_bookings(listing_id=booking.listing_id, day=booking.counted_on, count=-1)
    if booking.refund_due:
        outbox.enqueue(kind=REFUND, payload={"booking": booking.pk, "amount": booking.refund_due})
    status = booking.status
    if status == Booking.Status.EXPIRED:
        host_dashboard_changed(booking, event="expired")
        return  # an abandoned checkout: nobody needs telling
    if status == Booking.Status.DECLINED:
        notify(
            user=booking.guest,
            kind=Kind.BOOKING_DECLINED,
            data=booking_data(booking, by=by, **reason_data(booking.cancel_reason)),
            url=booking_url(booking),
        )
        host_dashboard_changed(booking, event="declined")
        return
    # The refund due (None: nothing was paid, a hold or a request) and the reason, as the
    # booking page shows them (ours is its msgid, translated when read: reason_data).
    data = booking_data(
        booking,
        by=by,
        refund=booking.refund_due,
        currency=booking.currency,
        **reason_data(booking.cancel_reason),
    )
    if by != Booking.Party.GUEST or was == Booking.Status.CONFIRMED:
        notify(
            user=booking.guest,
            kind=Kind.BOOKING_CANCELLED,
            data=data,
            url=booking_url(booking),
            # The confirmation's invite put the date in the guest's calendar: the same event
            # (same UID, next SEQUENCE, STATUS:CANCELLED) takes it out.
            attachments=invite(booking) if was == Booking.Status.CONFIRMED else (),
        )
    if tell_host and was != Booking.Status.HELD:
        guest = booking.guest.get_full_name() or booking.guest.email
        if by == Booking.Party.GUEST:
            notify(
                user=_host_user(booking),
                kind=Kind.BOOKING_CANCELLED_FOR_HOST,
                data=booking_data(booking, guest=guest),
                url=roster_url(booking),
            )
        elif by == Booking.Party.STAFF:
            # Not "a guest cancelled": the guest did nothing. With the reason staff gave and
            # the refund due (the host settles it with a venue payment), as the guest reads them.
            notify(
                user=_host_user(booking),
                kind=Kind.BOOKING_CANCELLED_BY_STAFF,
                data={**data, "guest": guest},
                url=roster_url(booking),
            )
    host_dashboard_changed(booking, event="cancelled")


def slot_cancelled(slot: Slot, *, by: str, reason: str, known: int) -> None:
    """Staff or the minimum's cut-off (`by`) cancelled the date, whose bookings the host had
    been told of `known` (confirmed or requested): its host hears it once, who cancelled and
    why, rather than "a guest cancelled" for each booking. Staff's cancellation of a date
    nobody booked is told too (it leaves the host's schedule); the cut-off's is not (nothing
    changed for the host, who would otherwise hear of every empty date)."""
    if by == Booking.Party.SYSTEM and not known:
        return
    notify(
        user=slot.listing.host.user,
        kind=Kind.SLOT_CANCELLED,
        data=date_data(
            slot,
            by=by,
            # The system's reason is its text (texts.SLOT_CANCELLED_BODIES); staff's is theirs
            # (or the admin's, ours: reason_data).
            **reason_data(reason if by == Booking.Party.STAFF else ""),
            booked=known > 0,
            minimum=slot.listing.min_guests,
        ),
        url=reverse("hosting:roster", args=[slot.pk]),
    )


def waitlist_offered(booking: Booking) -> None:
    """The guest is offered the seats, held for them until the offer lapses; a mail not gone
    by then is not sent (`until`: "held for you until" a time past)."""
    notify(
        user=booking.guest,
        kind=Kind.WAITLIST_OFFER,
        data=booking_data(
            booking, expires_at=booking.expires_at.isoformat() if booking.expires_at else ""
        ),
        url=booking_url(booking),
        until=booking.expires_at,
    )


def waitlist_closed(slot: Slot, entries: list[WaitlistEntry]) -> None:
    """The date was cancelled: whoever still waited for a seat on it is told (an open offer is
    a hold, cancelled and told like any booking)."""
    for entry in entries:
        notify(
            user=entry.guest,
            kind=Kind.WAITLIST_CLOSED,
            data=date_data(slot, seats=entry.seats),
            url=slot.listing.get_absolute_url(),
        )


def waitlist_too_big(slot: Slot, entries: list[WaitlistEntry]) -> None:
    """The date's places went below the groups of `entries` (closed): each guest is told that
    their group no longer fits, with the date's places (texts.py: data "capacity"), and led to
    the listing's other dates."""
    for entry in entries:
        notify(
            user=entry.guest,
            kind=Kind.WAITLIST_CLOSED,
            data=date_data(slot, seats=entry.seats, capacity=slot.capacity),
            url=slot.listing.get_absolute_url(),
        )


@emails.holds(Kind.BOOKING_CONFIRMED)
@emails.holds(Kind.BOOKING_RETIMED)
@emails.holds(BOOKING_MAIL)
def _still_holds(data: Mapping[str, Any]) -> bool:
    """A move's notice, or a confirmation's, or a reminder, holds while the booking is at the
    version it names (a later move, a transfer or a cancellation moves it, and says so in its
    own notice) and its date at the times it gives (staff moving it again are told by a notice
    of their own, which the bookings worker may not have written yet). It checks what the data
    names: a notice naming no booking has nothing that could overtake it. News that holds only
    until a moment (`until`: a reminder's "coming up soon", until the date begins) no longer
    holds from then on, whatever its kind (emails._overtaken)."""
    reference = data.get("reference")
    if not reference:
        return True
    booking = Booking.objects.select_related("slot").filter(reference=reference).first()
    if booking is None:
        return False
    if "version" in data and booking.version != data["version"]:
        return False
    return at_times(data, booking.slot)


def at_times(data: Mapping[str, Any], slot: Slot) -> bool:
    """Whether `slot` is at the start and end that a notice's `data` gives (those it gives)."""
    times = {"starts_at": slot.starts_at, "ends_at": slot.ends_at}
    return all(parse_datetime(str(data[key])) == now for key, now in times.items() if key in data)


def minimum_decided_at(slot: Slot, listing: Listing) -> datetime | None:
    """When the cut-off decides whether the date (of `listing`) has its minimum of guests;
    None once it did, or for a listing without a minimum: then nothing can cancel it for too
    few guests."""
    if not listing.min_guests or slot.minimum_checked_at is not None:
        return None
    return slot.starts_at - timedelta(hours=listing.min_guests_cutoff_hours)


def minimum_met(slot: Slot, bookings: list[Booking], *, minimum: int) -> None:
    """The date reached its minimum: each booking's guest is told it is on. A booking the worker
    has not announced yet (`counted_on` unset: its "Booked" mail is still to be written, the
    confirmation that reached the minimum among them) gets the inbox entry only; its "Booked"
    mail says that it will take place (send_booking_mail), so that no guest reads "it is on"
    before "Booked". Until the cut-off decided the date (`slot` read under its lock), the
    notice names the cut-off and `minimum` (texts.py): cancellations may still take the date
    below it by then, and the cut-off then cancels it. It read "it will take place" until
    session 24."""
    cut_off = minimum_decided_at(slot, bookings[0].listing)
    undecided = {} if cut_off is None else {"decided_at": cut_off.isoformat(), "minimum": minimum}
    for booking in bookings:
        notify(
            user=booking.guest,
            kind=Kind.SLOT_MINIMUM_MET,
            data=booking_data(booking, **undecided),
            url=booking_url(booking),
            email=booking.counted_on is not None,
        )


def transfer_offered(transfer: Transfer, *, secret: str) -> None:
    """The mail with the link that takes the booking, to the address the guest typed. It goes
    only while the offer stands (`_offer_stands`): one withdrawn, replaced or closed with its
    booking, or whose date began, before its mail went is not sent (its link would no longer
    work)."""
    booking = transfer.booking
    # Someone with an account at that address reads it in their own language and sees the
    # date at their own time too (emails.build, as every mail to a user); it was in the giver's.
    recipient = users_with_address(email=transfer.to_email).filter(is_active=True).first()
    emails.send_email(
        user_id=recipient.pk if recipient is not None else None,
        fixed_address=True,  # the address the guest typed, whoever has it when it goes
        to=transfer.to_email,
        template="booking_transfer",
        context={
            **booking_data(booking),
            "from_name": transfer.from_user.get_full_name() or transfer.from_user.email,
            "accept_url": settings.SITE_URL + reverse("bookings:transfer", args=[secret]),
            "time_zone": booking.listing.time_zone,
        },
        secret=True,  # the link is the key to the booking: not kept in the outbox once sent
        # For an address that is nobody's yet: written in the language of the guest who hands
        # it on, times in the listing's zone, where they will go.
        language=transfer.from_user.reading_language,
        time_zone=booking.listing.time_zone,
        notice={"kind": TRANSFER_MAIL, "data": {"transfer": transfer.pk}},
    )


@emails.holds(TRANSFER_MAIL)
def _offer_stands(data: Mapping[str, Any]) -> bool:
    """An offer to take a booking holds while it is pending and its date has not begun (what
    transfers.pending_transfer checks when its link is opened), read when its mail is built:
    a date staff moved is read at its new start."""
    return Transfer.objects.filter(
        pk=int(data.get("transfer") or 0),
        status=Transfer.Status.PENDING,
        booking__slot__starts_at__gt=timezone.now(),
    ).exists()


def transferred(booking: Booking, *, previous: User) -> None:
    """The booking moved to a new guest (call after moving its version): the previous guest's
    mail carries the event marked cancelled, so that their calendar takes the date out."""
    data = booking_data(booking, guest=booking.guest.get_full_name() or booking.guest.email)
    notify(
        user=previous,
        kind=Kind.BOOKING_TRANSFERRED,
        data=data,
        url="",
        attachments=invite(booking, withdrawn=True, attendee=previous.email),
    )
    notify(
        user=_host_user(booking), kind=Kind.BOOKING_TRANSFERRED, data=data, url=roster_url(booking)
    )
    _confirm_to(booking, guest=booking.guest)
    host_dashboard_changed(booking, event="transferred")


def invite(
    booking: Booking, *, withdrawn: bool = False, attendee: str = ""
) -> list[tuple[str, dict[str, object]]]:
    """The booking's calendar event (bookings/calendar.py), rendered when the mail is sent: as
    the booking is then. `withdrawn`: cancelled for this recipient (`attendee`, their address),
    whom the booking no longer concerns (calendar.ics)."""
    arguments: dict[str, object] = {"reference": booking.reference, "withdrawn": withdrawn}
    if attendee:
        arguments["attendee"] = attendee
    return [("booking.ics", arguments)]


def _iso(moment: datetime | None) -> str:
    """A moment in a mail's context (JSON): "" for none."""
    return "" if moment is None else moment.isoformat()


def send_booking_mail(
    booking: Booking,
    *,
    template: str,
    to: User,
    notice: Notification | None = None,
    until: datetime | None = None,
) -> None:
    """A mail about one booking with its calendar invite attached (rendered when sent). It goes
    only while the booking is at its version and its date at its times (`_still_holds`), else
    it is skipped, so that its text, written now, and its invite, rendered when it goes, never
    give two times, nor one that stopped being true, and no mail about the booking follows
    the one that told of its cancellation or its handing on. With `notice`, the mail tells that
    notification's news (and marks it sent once it went); without, the news is the mail's own
    (the reminder: a date moved plans its own, effects.plan_reminder). With `until`, it goes
    only before that moment (a reminder, before its date begins: one held up past it by the
    urgent queue's workers or the mail server said "coming up soon" of a date begun or over,
    until session 24)."""
    data = {
        "reference": booking.reference,
        "version": booking.version,
        "starts_at": booking.slot.starts_at.isoformat(),
        "ends_at": booking.slot.ends_at.isoformat(),
    }
    if until is not None:
        data["until"] = until.isoformat()
    holds: dict[str, object] = {"kind": BOOKING_MAIL, "data": data}
    if notice is not None:
        holds = {"kind": notice.kind, "id": notice.pk, "data": data}
    emails.send_email(
        to=to.email,
        template=template,
        context={
            **booking_data(booking),
            "url": settings.SITE_URL + booking_url(booking),
            "time_zone": booking.listing.time_zone,  # the mail shows the local time too
            # Its guest was told the date is on (told_on_at): the confirmation says so too, and
            # until the cut-off decided it, that cancellations may still take it below.
            "minimum_met": booking.told_on_at is not None,
            "minimum_decided_at": _iso(minimum_decided_at(booking.slot, booking.listing)),
        },
        user_id=to.pk,
        attachments=invite(booking),
        notice=holds,
    )
