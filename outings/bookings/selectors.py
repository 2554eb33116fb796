"""Reads of bookings, each scoped to whoever asks: another guest's booking, or a booking on
another host's listing, is simply not found (404, never 403)."""

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan

from outings.accounts.models import HostProfile, User
from outings.bookings.converters import ReferenceConverter
from outings.bookings.models import Booking, Transfer, WaitlistEntry
from outings.catalog.models import Listing
from outings.common.errors import NotFound
from outings.scheduling.models import Slot

# For raw SQL over slots aliased `s`: seats left counting lapsed holds and requests as free, so
# that no read shows a date as full because of an abandoned checkout. The sub-select reads the
# small partial index booking_pending. `%(now)s` must be bound.
SEATS_LEFT_SQL = (
    "(s.capacity - s.seats_taken + COALESCE((SELECT SUM(b.seats) FROM bookings_booking b"
    " WHERE b.slot_id = s.id AND b.status IN ('held', 'requested')"
    " AND b.expires_at <= %(now)s), 0))"
)


def _lapsed_seats(now: datetime) -> Coalesce:
    """For a query of slots: the seats of the slot's holds and requests whose time ran out at
    `now`, which its seats_taken counts until the sweep records them (0 when none)."""
    lapsed = (
        Booking.objects.filter(slot=OuterRef("pk"), status__in=Booking.PENDING, expires_at__lte=now)
        .order_by()
        .values("slot")
        .annotate(n=Sum("seats"))
        .values("n")
    )
    return Coalesce(Subquery(lapsed, output_field=IntegerField()), Value(0))


def with_seats_left(slots: QuerySet[Slot], *, now: datetime) -> QuerySet[Slot]:
    """Annotate `seats_free` (read by Slot.seats_left): seats left with lapsed holds counted
    as free."""
    return slots.annotate(seats_free=F("capacity") - F("seats_taken") + _lapsed_seats(now))


def why_not_taken_again(*, booking: Booking, now: datetime) -> str:
    """For a hold whose time ran out: why confirming it now could not take its seats again, as
    services.confirm_booking would refuse it: "paused" (its listing is not taking bookings),
    "cancelled" (its date), "taken" (fewer seats free than it had, lapsed holds counted free,
    its own among them); "" when it could. One statement."""
    slot = (
        with_seats_left(Slot.objects.filter(pk=booking.slot_id), now=now)
        .select_related("listing__host")
        .first()
    )
    if slot is None:
        return "cancelled"  # removed with its rule (holds.unavailable reads it so too)
    if not slot.listing.is_public:
        return "paused"
    if slot.status != Slot.Status.OPEN:
        return "cancelled"
    if slot.seats_left < booking.seats:
        return "taken"
    return ""


def bookings_of_guest(*, guest: User) -> QuerySet[Booking]:
    return Booking.objects.filter(guest=guest).select_related("slot", "listing")


def _still_coming(now: datetime) -> Q:
    """A confirmed booking until its date ends (one under way is still the guest's plan for
    today); a hold or request until it lapses or its date starts, whether or not the sweep
    has ended it yet."""
    return Q(status=Booking.Status.CONFIRMED, slot__ends_at__gt=now) | Q(
        status__in=Booking.PENDING, slot__starts_at__gt=now, expires_at__gt=now
    )


def upcoming_for_guest(*, guest: User, now: datetime) -> QuerySet[Booking]:
    """The guest's bookings still to come, or under way."""
    return bookings_of_guest(guest=guest).filter(_still_coming(now))


def past_for_guest(*, guest: User, now: datetime) -> QuerySet[Booking]:
    """Everything else: dates that ended, bookings that ended or lapsed."""
    return bookings_of_guest(guest=guest).exclude(_still_coming(now))


def get_booking_for_guest(*, guest: User, reference: str) -> Booking:
    booking = bookings_of_guest(guest=guest).filter(reference=reference).first()
    if booking is None:
        raise NotFound("There is no such booking.")
    return booking


def bookings_of_host(*, host: HostProfile) -> QuerySet[Booking]:
    return Booking.objects.filter(listing__host=host).select_related("slot", "listing", "guest")


def changed_booking_of_host(*, host: HostProfile, reference: str) -> Booking | None:
    """The booking a live event on the host's board named (effects.host_dashboard_changed), to
    say what changed; None when the reference is malformed or not one of the host's."""
    if not re.fullmatch(ReferenceConverter.regex, reference):
        return None  # never sent to the database (a NUL would be a DataError there)
    return bookings_of_host(host=host).filter(reference=reference).first()


def get_booking_for_host(*, host: HostProfile, reference: str) -> Booking:
    booking = bookings_of_host(host=host).filter(reference=reference).first()
    if booking is None:
        raise NotFound("There is no such booking.")
    return booking


def slot_of_host(*, host: HostProfile, slot_id: int, now: datetime | None = None) -> Slot:
    """One of the host's dates. With `now`, annotated by with_seats_left: its Slot.seats_held
    are then the seats of the bookings its roster lists (lapsed holds and requests count as
    free), in the same statement; the pages, which count the bookings they list, leave it."""
    slots = Slot.objects.filter(pk=slot_id, listing__host=host)
    if now is not None:
        slots = with_seats_left(slots, now=now)
    slot = slots.select_related("listing", "schedule").first()
    if slot is None:
        raise NotFound("There is no such date.")
    return slot


def holding_seats(now: datetime) -> Q:
    """Bookings that hold seats at `now`: confirmed ones, and holds and requests whose time has
    not run out (one that ran out is expired or declined from then on, swept or not:
    Booking.status_at)."""
    return Q(status=Booking.Status.CONFIRMED) | Q(status__in=Booking.PENDING, expires_at__gt=now)


def held_by_bookings(slot_ids: Collection[int], *, now: datetime) -> set[int]:
    """Those of the dates `slot_ids` on which seats are taken at `now`: more than the seats of
    their holds and requests whose time ran out, which seats_taken counts until the sweep
    records them and every read of seats left counts as free (with_seats_left,
    SEATS_LEFT_SQL). A date whose only booking lapsed is no booked date. It was one where a
    change of the host's dates asked (a rule changed or removed, a new time zone, the listing
    archived), which was refused until the sweep ran (until session 22). Pass the dates with
    seats taken: without any, no statement is run."""
    if not slot_ids:
        return set()
    held = Slot.objects.filter(pk__in=slot_ids).filter(
        GreaterThan(F("seats_taken"), _lapsed_seats(now))
    )
    return set(held.values_list("pk", flat=True))


def shown_as(status: str, *, now: datetime) -> Q:
    """Bookings whose status at `now` (Booking.status_at, what pages and the API show) is
    `status`: a filter by status matches what the reader is then shown."""
    lapsed = Q(expires_at__lte=now)
    if status in Booking.PENDING:
        return Q(status=status) & ~lapsed
    if status == Booking.Status.EXPIRED:
        return Q(status=status) | (Q(status=Booking.Status.HELD) & lapsed)
    if status == Booking.Status.DECLINED:
        return Q(status=status) | (Q(status=Booking.Status.REQUESTED) & lapsed)
    return Q(status=status)


def active_bookings_on(*, slot: Slot, now: datetime) -> QuerySet[Booking]:
    """The bookings that hold seats on a slot at `now` (holding_seats), with their guests (a
    roster, page by page)."""
    return Booking.objects.filter(holding_seats(now), slot=slot).select_related("guest")


# A cancelled date's booking as its roster orders them: (when it ended, id).
RosterKey = tuple[datetime, int]


@dataclass
class Roster:
    slot: Slot
    bookings: Sequence[Booking]
    next_after: RosterKey | None = None  # the key the next page continues after


def roster(
    *, host: HostProfile, slot_id: int, size: int, now: datetime, after: RosterKey | None = None
) -> Roster:
    """A host's date and the bookings that hold seats on it at `now` (a hold or request whose
    time ran out is over, swept or not), oldest first: all of them (no more
    than its capacity, at most MAX_CAPACITY). A cancelled date holds none: its roster is its
    cancelled bookings (whose guests were told, and what each is due), not an empty list that
    would say nobody booked it; those are as many as guests ever booked and cancelled, so they
    come `size` at a time after `after`, latest cancellation first: the bookings the date's
    cancellation ended (booked first, first), then the ones cancelled before it."""
    slot = slot_of_host(host=host, slot_id=slot_id)
    if slot.status != Slot.Status.CANCELLED:
        return Roster(
            slot=slot, bookings=list(active_bookings_on(slot=slot, now=now).order_by("id"))
        )
    bookings = Booking.objects.filter(slot=slot, status=Booking.Status.CANCELLED).annotate(
        ended=Coalesce("ended_at", "created_at")  # ended_at: set by every cancellation since
    )
    if after is not None:
        ended, pk = after
        bookings = bookings.filter(Q(ended__lt=ended) | Q(ended=ended, pk__gt=pk))
    fetched = list(bookings.select_related("guest").order_by("-ended", "id")[: size + 1])
    page = fetched[:size]
    last = page[-1] if len(fetched) > size else None
    return Roster(
        slot=slot, bookings=page, next_after=None if last is None else (last.ended, last.pk)
    )


def latest_for_host(*, host: HostProfile, now: datetime, limit: int = 15) -> list[Booking]:
    """The newest confirmed bookings and open requests on the host's dates still to come,
    newest first (the host's dashboard). One query."""
    return list(
        bookings_of_host(host=host)
        .filter(
            shown_as(Booking.Status.REQUESTED, now=now) | Q(status=Booking.Status.CONFIRMED),
            slot__starts_at__gt=now,
        )
        .order_by("-id")[:limit]
    )


def public_slot(*, slot_id: int, now: datetime) -> Slot | None:
    """A slot of a public listing, with the listing, whatever its state (the booking page shows
    why it cannot be booked), its seats left counting lapsed holds free (with_seats_left);
    None for anything else."""
    slots = Slot.objects.select_related("listing").filter(
        pk=slot_id, listing__in=Listing.objects.public()
    )
    return with_seats_left(slots, now=now).first()


def pending_transfer_of(*, booking: Booking) -> Transfer | None:
    return Transfer.objects.filter(booking=booking, status=Transfer.Status.PENDING).first()


def host_cancellations(*, host: HostProfile) -> int:
    """How many bookings the host has cancelled (shown to staff; counts against the host)."""
    return Booking.objects.filter(listing__host=host, cancelled_by=Booking.Party.HOST).count()


def waitlist_of_guest(*, guest: User) -> QuerySet[WaitlistEntry]:
    return WaitlistEntry.objects.filter(guest=guest).select_related("slot__listing")
