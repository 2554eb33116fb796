"""Reads for the host pages. Everything is scoped to the host who asks."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from outings.accounts.models import HostProfile
from outings.bookings.selectors import with_seats_left
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.photos.selectors import failed_photos
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.stats.selectors import recent_totals

NEXT_SLOTS = 3
# The most exceptions to come the schedules page shows under each rule; the rest are a page of
# their own (hosting:schedule_exceptions).
EXCEPTIONS_SHOWN = 10
# The most of each kind the dashboard's "needs your attention" lists: a bounded read, however
# many listings a host has.
ATTENTION = 20

# A listing's place in the dashboard's order (archived last, then most recently changed first):
# (archived, updated_at, id), the key a page continues after.
DashboardKey = tuple[bool, datetime, int]


@dataclass
class ListingRow:
    listing: Listing
    next_slots: list[Slot] = field(default_factory=list)


@dataclass(frozen=True)
class Dashboard:
    rows: Sequence[ListingRow]
    rejected: Sequence[Listing]
    failed_photos: Sequence[ListingPhoto]
    next_after: DashboardKey | None = None  # the key the next page continues after

    @property
    def needs_attention(self) -> bool:
        return bool(self.rejected or self.failed_photos)


def host_listings(*, host: HostProfile) -> QuerySet[Listing]:
    return Listing.objects.filter(host=host).select_related("category")


def dashboard(
    *, host: HostProfile, now: datetime, size: int, after: DashboardKey | None = None
) -> Dashboard:
    """One page of the host's listings (archived last, then most recently changed first) with
    their next slots, photo counts and views and bookings of the last RECENT_DAYS (each
    listing's own days: `recent_views`, `recent_bookings`), continuing after `after`; and what
    needs the host's attention, on every page. Four queries, each bounded, whatever the number
    of listings."""
    listings = host_listings(host=host).annotate(
        photo_count=Count("photos"),
        is_archived=Q(status=Listing.Status.ARCHIVED),
        **recent_totals(now=now),
    )
    if after is not None:
        archived, updated_at, pk = after
        same = Q(is_archived=archived) & (
            Q(updated_at__lt=updated_at) | Q(updated_at=updated_at, pk__lt=pk)
        )
        # Past the last live listing come the archived ones: all of them continue the order.
        listings = listings.filter(same if archived else same | Q(is_archived=True))
    fetched = list(listings.order_by("is_archived", "-updated_at", "-id")[: size + 1])
    page = fetched[:size]
    dates = next_dates(listing_ids=[listing.pk for listing in page], now=now, limit=NEXT_SLOTS)
    rows = {
        listing.pk: ListingRow(listing=listing, next_slots=dates[listing.pk]) for listing in page
    }
    rejected = (
        Listing.objects.filter(host=host, status=Listing.Status.DRAFT)
        .exclude(rejection_reason="")
        .order_by("-updated_at", "-id")[:ATTENTION]
    )
    last = page[-1] if len(fetched) > size else None
    return Dashboard(
        rows=list(rows.values()),
        rejected=list(rejected),
        failed_photos=list(failed_photos(host=host)[:ATTENTION]),
        next_after=None if last is None else (last.is_archived, last.updated_at, last.pk),
    )


# A rule's or an exception's place in the schedules page's lists: (its day, id).
DayKey = tuple[date, int]


@dataclass
class Rules:
    schedules: Sequence[Schedule]
    next_after: DayKey | None  # the key the next page continues after


def schedules_of(
    *, listing: Listing, today: date, past: bool, size: int, after: DayKey | None = None
) -> Rules:
    """One page of the listing's rules (`today`: the listing's local date). Those still making
    dates (weekly ones not ended, one-off dates to come), by first day, each with its first
    EXCEPTIONS_SHOWN exceptions to come (`upcoming_exceptions`, one more to tell there are
    more); or, `past`, those that ended, latest first, without their exceptions (all in the
    past). Two queries, however many rules and exceptions the listing gathered over the years."""
    rules = Schedule.objects.filter(listing=listing)
    if past:
        rules = rules.filter(valid_until__lt=today)
        if after is not None:
            day, pk = after
            rules = rules.filter(Q(valid_until__lt=day) | Q(valid_until=day, pk__lt=pk))
        fetched = list(rules.order_by("-valid_until", "-id")[: size + 1])
    else:
        rules = rules.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        if after is not None:
            day, pk = after
            rules = rules.filter(Q(valid_from__gt=day) | Q(valid_from=day, pk__gt=pk))
        upcoming = upcoming_exceptions(today=today)[: EXCEPTIONS_SHOWN + 1]
        rules = rules.prefetch_related(
            Prefetch("exceptions", upcoming, to_attr="upcoming_exceptions")
        )
        fetched = list(rules.order_by("valid_from", "id")[: size + 1])
    page = fetched[:size]
    last = page[-1] if len(fetched) > size else None
    if last is None:
        return Rules(schedules=page, next_after=None)
    last_day = last.valid_until if past else last.valid_from
    assert last_day is not None  # an ended rule has its last day
    return Rules(schedules=page, next_after=(last_day, last.pk))


def has_past_schedules(*, listing: Listing, today: date) -> bool:
    return Schedule.objects.filter(listing=listing, valid_until__lt=today).exists()


def upcoming_exceptions(*, today: date) -> QuerySet[ScheduleException]:
    """Exceptions from `today` on, by day (then id): the schedules page's order."""
    return ScheduleException.objects.filter(day__gte=today).order_by("day", "id")


def upcoming_exceptions_of(
    *, schedule: Schedule, today: date, size: int, after: DayKey | None = None
) -> tuple[list[ScheduleException], DayKey | None]:
    """One page of a rule's exceptions to come, after `after`; and the key of the next page."""
    exceptions = upcoming_exceptions(today=today).filter(schedule=schedule)
    if after is not None:
        day, pk = after
        exceptions = exceptions.filter(Q(day__gt=day) | Q(day=day, pk__gt=pk))
    fetched = list(exceptions[: size + 1])
    page = fetched[:size]
    last = page[-1] if len(fetched) > size else None
    return page, None if last is None else (last.day, last.pk)


def upcoming_slots(*, listing: Listing, now: datetime, limit: int) -> list[Slot]:
    """The listing's next dates, as next_dates reads them (its schedules page and its page)."""
    return next_dates(listing_ids=[listing.pk], now=now, limit=limit)[listing.pk]


def dates_in_view(*, listing_ids: Collection[int], now: datetime) -> QuerySet[Slot]:
    """The listings' dates a host sees from `now` on, unordered: those that take place from the
    one under way (begun, not ended), and the cancelled ones to come. Annotated by
    with_seats_left, so that Slot.seats_held is the seats of bookings still running (a lapsed
    hold or request counts as free before the sweep, as on the roster). next_dates reads its
    first ones, the host API's `GET …/slots` pages through them all."""
    in_view = Q(status=Slot.Status.OPEN, ends_at__gt=now) | Q(
        status=Slot.Status.CANCELLED, starts_at__gte=now
    )
    return with_seats_left(Slot.objects.filter(in_view, listing_id__in=listing_ids), now=now)


def next_dates(*, listing_ids: Collection[int], now: datetime, limit: int) -> dict[int, list[Slot]]:
    """Each listing's next `limit` dates that take place, soonest first, from the one under way
    at `now` (its roster is who is out with the host), and the cancelled dates to come among
    them (the host sees them as such), which do not count: at most `limit` of those, before the
    last date that takes place when there are `limit` of them. Every host page that lists a
    listing's next dates reads them here (the dashboard's three, the schedules page's and the
    listing page's), so that they agree. With their rules (whose places a date set on its own
    is shown beside) and seats left counting lapsed holds and requests as free (Slot.seats_held
    is then the seats of bookings still running, as the roster lists them). One query, however
    many listings."""
    ranked = (
        dates_in_view(listing_ids=listing_ids, now=now)
        .select_related("schedule")
        .annotate(
            # Dates that take place and cancelled ones are counted apart.
            rank=Window(
                RowNumber(), partition_by=[F("listing_id"), F("status")], order_by="starts_at"
            )
        )
        .filter(rank__lte=limit)
        .order_by("listing_id", "starts_at")
    )
    found: dict[int, list[Slot]] = {pk: [] for pk in listing_ids}
    for slot in ranked:
        found[slot.listing_id].append(slot)
    for pk, slots in found.items():
        taking_place = [slot for slot in slots if slot.status == Slot.Status.OPEN]
        if len(taking_place) == limit:
            last = taking_place[-1].starts_at
            found[pk] = [s for s in slots if s.status == Slot.Status.OPEN or s.starts_at < last]
    return found


def public_host(*, host_id: int) -> HostProfile | None:
    return HostProfile.objects.filter(pk=host_id, suspended_at__isnull=True).first()


def public_listings_of(*, host: HostProfile) -> QuerySet[Listing]:
    return Listing.objects.public().filter(host=host).select_related("category").order_by("-id")
