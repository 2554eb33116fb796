"""What the guests of a booked date whose times moved are told (`retimed`, called by the move's
handler, services.retime_bookings): the notice in their inbox and, unless their mailbox
already says it or is about to, a mail from the time it last gave to the time it is, with the
calendar event at the new time; and whoever waits for a seat on it (`waitlist_moved`). Every
function here only writes rows, in the caller's transaction (bookings/effects.py)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.dateparse import parse_datetime

from outings.bookings import effects
from outings.bookings.models import Booking, WaitlistEntry
from outings.notifications import emails
from outings.notifications.models import Notification
from outings.notifications.services import notify, withdraw_email

Kind = Notification.Kind


def retimed(booking: Booking, *, was_starts_at: datetime | None = None) -> None:
    """Its date's times moved (the listing's duration changed its end; staff corrected its
    times): the guest is told what moved, the new end, or the new start and end with the start
    it had (`was_starts_at`, when it differs), a confirmed guest with the calendar event at the
    new time (a later SEQUENCE: call after moving the version, by one); a hold or a request,
    which put nothing in a calendar, with its deadline (the text says that it stands at the new
    time, notifications/texts.py), whose mail goes only before it (`until`).

    The notice names the booking's version and the times it gives: its mail goes only while they
    are still so (effects._still_holds), so a guest never reads a time that stopped being true.
    A notice of an earlier move whose mail had not gone is withdrawn, and this one's mail says
    where the date was when the guest's mail last said (`told_starts_at`): one mail, from the
    time they knew to the time it is. A confirmed guest whose "Booked" mail has not gone gets
    that mail again at the new time instead (effects._confirm_to's): their first mail gives the
    time as it is. One whose confirmation the worker has not announced yet gets no mail either: the
    announcement, still to come, writes "Booked" at the time then true (`_unannounced`); and
    none whose mailbox already gives the new times ("Booked" written after the move went
    first, `_last_told`). The inbox keeps each move as it came."""
    start = booking.slot.starts_at
    data = effects.booking_data(
        booking,
        ends_at=booking.slot.ends_at.isoformat(),
        status=booking.status,
        version=booking.version,
    )
    if was_starts_at is not None and was_starts_at != start:
        data["was_starts_at"] = was_starts_at.isoformat()
    if booking.expires_at is not None:  # a hold's or a request's deadline
        data["expires_at"] = booking.expires_at.isoformat()
    overtaken = withdraw_email(
        user=booking.guest,
        kind=Kind.BOOKING_RETIMED,
        about={"reference": booking.reference, "version": booking.version - 1},
    )
    confirmed = booking.status == Booking.Status.CONFIRMED
    confirmation = _confirmation_unsent(booking) if confirmed else None
    mailed = True
    if confirmation is not None:
        # The guest's "Booked" mail has not gone, and no longer holds (it would give the time
        # it was written with): it is written again at the new time, the first time the guest
        # is told, so the move is in the inbox only.
        effects.send_booking_mail(
            booking, template="booking_confirmed", to=booking.guest, notice=confirmation
        )
        told: datetime | None = start
        mailed = False
    elif confirmed and _unannounced(booking):
        told, mailed = start, False
    elif overtaken is not None:
        told = _told_start(overtaken.data) or was_starts_at
    else:
        last = _last_told(booking)
        told = (last[0] if last else None) or was_starts_at
        # "Booked", written after the move, went first: it gave these times already.
        mailed = last != (start, booking.slot.ends_at)
    mail = _mail_from(data, told=told, start=start)
    notify(
        user=booking.guest,
        kind=Kind.BOOKING_RETIMED,
        data=data,
        email_data=mail,
        url=effects.booking_url(booking),
        attachments=effects.invite(booking) if confirmed else (),
        email=mailed,
        # "Stays held until", "the host answers by": a mail not gone by then is not sent.
        until=booking.expires_at,
    )


def _mail_from(
    data: dict[str, object], *, told: datetime | None, start: datetime
) -> dict[str, object]:
    """What a move's mail says, from the notice's `data` (which records `told`, the start the
    guest's mail last gave, for a later move to read): moved from `told`, not from the start
    the date had just before this move, whose mail may never have gone."""
    data["told_starts_at"] = (told or start).isoformat()
    mail = {key: value for key, value in data.items() if key != "was_starts_at"}
    if told is not None and told != start:
        mail["was_starts_at"] = told.isoformat()
    return mail


def _unannounced(booking: Booking) -> bool:
    """Whether the worker has still to announce the booking's confirmation to its guest: not
    counted yet (announce_confirmed counts it, under the booking's lock the caller holds) and
    no "Booked" notice to this guest (a booking handed on has one from its transfer)."""
    return (
        booking.counted_on is None
        and not Notification.objects.filter(
            user_id=booking.guest_id,
            kind=Kind.BOOKING_CONFIRMED,
            data__reference=booking.reference,
        ).exists()
    )


def _last_told(booking: Booking) -> tuple[datetime | None, datetime | None] | None:
    """The start and end that the last mail known to have gone to the guest about the booking
    gave (its "Booked" or a move's, Notification.email_state), None for either it did not give
    (a "Booked" notice from before it recorded its end); None when none is known to have gone."""
    notice = (
        Notification.objects.filter(
            user_id=booking.guest_id,
            kind__in=[Kind.BOOKING_CONFIRMED, Kind.BOOKING_RETIMED],
            data__reference=booking.reference,
            email_state=Notification.EmailState.SENT,
        )
        .order_by("-id")
        .first()
    )
    if notice is None:
        return None
    start, end = (notice.data.get(key) for key in ("starts_at", "ends_at"))
    return (
        parse_datetime(str(start)) if start else None,
        parse_datetime(str(end)) if end else None,
    )


def _confirmation_unsent(booking: Booking) -> Notification | None:
    """The latest "Booked" notice of the booking to its guest whose mail has not gone (a notice
    from before its mail told its news names no version: that mail went as it was)."""
    return (
        Notification.objects.filter(
            user_id=booking.guest_id,
            kind=Kind.BOOKING_CONFIRMED,
            data__reference=booking.reference,
            data__has_key="version",
            email_state="",
        )
        .order_by("-id")
        .first()
    )


def _told_start(data: Mapping[str, Any]) -> datetime | None:
    """The start the guest's mail last gave before the move notice `data` (a notice written
    before the start was recorded: the one it moved from, or its own)."""
    told = data.get("told_starts_at") or data.get("was_starts_at") or data.get("starts_at")
    return parse_datetime(str(told)) if told else None


def waitlist_moved(entry: WaitlistEntry, *, was_starts_at: datetime | None = None) -> None:
    """The date `entry` waits on moved (as for `retimed`: its end, or its start and end, with the
    start it had): its guest, still waiting, is told from where to where, and that they keep
    their place (they asked for seats at a time; they may leave the list from their bookings).
    Call holding the entry's row lock, with it waiting.

    As a booked guest's notice, its mail goes only while it holds (`_still_waiting`: the guest
    still waits, the date still at the times it gives), and a notice of an earlier move whose
    mail had not gone is withdrawn: one mail, from the start the guest's mail last gave."""
    slot = entry.slot
    start = slot.starts_at
    data = effects.date_data(
        slot, ends_at=slot.ends_at.isoformat(), status="waiting", entry=entry.pk
    )
    if was_starts_at is not None and was_starts_at != start:
        data["was_starts_at"] = was_starts_at.isoformat()
    overtaken = withdraw_email(
        user=entry.guest, kind=Kind.WAITLIST_MOVED, about={"entry": entry.pk}
    )
    told = (_told_start(overtaken.data) if overtaken is not None else None) or was_starts_at
    mail = _mail_from(data, told=told, start=start)
    notify(
        user=entry.guest,
        kind=Kind.WAITLIST_MOVED,
        data=data,
        email_data=mail,
        url=reverse("bookings:mine"),  # where the guest sees the list and may leave it
    )


@emails.holds(Kind.WAITLIST_MOVED)
def _still_waiting(data: Mapping[str, Any]) -> bool:
    """A move's notice to a waiting guest holds while they still wait (one who left, or was
    offered seats, was told what holds by that) and the date is at the times it gives (staff
    moving it again write a notice of their own)."""
    entry = (
        WaitlistEntry.objects.select_related("slot").filter(pk=int(data.get("entry") or 0)).first()
    )
    if entry is None or entry.status != WaitlistEntry.Status.WAITING:
        return False
    return effects.at_times(data, entry.slot)
