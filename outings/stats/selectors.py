from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    DateField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from outings.accounts.models import User
from outings.catalog.models import Listing
from outings.catalog.services import host_of, own_listing
from outings.common.errors import NotFound
from outings.common.zones import zone_or_utc
from outings.stats.models import ListingDay

# What a host is shown by default, and the longest span they may ask for (the API's from/to).
RECENT_DAYS = 30
MAX_SPAN_DAYS = 366
# Staff who may read any listing's figures: the "view" permission of the daily figures
# (stats | listing day), given in the admin; being staff alone is not enough.
VIEW_AS_STAFF = "stats.view_listingday"


@dataclass(frozen=True)
class Day:
    day: date
    views: int
    bookings: int


@dataclass(frozen=True)
class Period:
    """A listing's days from `first` to `last` inclusive (its own zone's), with their totals."""

    first: date
    last: date
    days: list[Day]

    @property
    def views(self) -> int:
        return sum(day.views for day in self.days)

    @property
    def bookings(self) -> int:
        return sum(day.bookings for day in self.days)

    @property
    def most_views(self) -> int:
        """The busiest day's views, at least 1: the full length of a bar on the host's page."""
        return max([1, *(day.views for day in self.days)])


def listing_for_figures(*, user: User, listing_id: int) -> Listing:
    """The listing whose figures `user` asks for, by the one rule of the page and the API: any
    listing, in any state, for staff with VIEW_AS_STAFF; else one of their own (NotAHost for a
    user who is no host, NotFound for another host's listing)."""
    if user.may_as_staff(VIEW_AS_STAFF):
        listing = Listing.objects.filter(pk=listing_id).first()
        if listing is None:
            raise NotFound()
        return listing
    return own_listing(host=host_of(user), listing_id=listing_id)


def day_of(listing: Listing, at: datetime) -> date:
    """The day `at` falls on in the listing's time zone: the day its figures count it on."""
    return at.astimezone(zone_or_utc(listing.time_zone)).date()


def recent(*, today: date) -> tuple[date, date]:
    """The first and last day of the RECENT_DAYS ending with `today` (a listing's day)."""
    return today - timedelta(days=RECENT_DAYS - 1), today


def listing_period(*, listing_id: int, first: date, last: date) -> Period:
    """listing_days with their totals (one query). Callers check who may see the listing."""
    return Period(
        first=first, last=last, days=listing_days(listing_id=listing_id, first=first, last=last)
    )


def listing_days(*, listing_id: int, first: date, last: date) -> list[Day]:
    """Views and bookings of a listing for every day from `first` to `last` inclusive (its days),
    days without any as zeros. Views of the last minute or so are still in the buffer. Callers
    must check that the asker may see this listing (its host or staff)."""
    rows = {
        row.day: row
        for row in ListingDay.objects.filter(listing_id=listing_id, day__range=(first, last))
    }
    days = []
    # Counted, not stepped past `last`: after 31 December 9999 there is no day (until session
    # 25 a series ending there raised OverflowError, the API's answer a 500).
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        row = rows.get(day)
        days.append(
            Day(day=day, views=row.views if row else 0, bookings=row.bookings if row else 0)
        )
    return days


def _listing_today(now: datetime) -> Func:
    """For a query of listings: each one's day at `now` in its own zone, UTC's for a zone
    PostgreSQL does not know (stats_local_day, migration stats.0004: PostgreSQL's timezone()
    raised, and the dashboard answered 500). Parallel unsafe (stats.0005): a statement calling
    it is planned serially."""
    return Func(
        OuterRef("time_zone"), Value(now), function="stats_local_day", output_field=DateField()
    )


def recent_totals(*, now: datetime) -> dict[str, Coalesce]:
    """Annotations for a query of listings: each one's views and bookings of its RECENT_DAYS
    up to its own today at `now` (in its time zone) as `recent_views` and `recent_bookings`,
    subqueries of the same statement (no query more)."""
    today = _listing_today(now)
    first = ExpressionWrapper(today - Value(RECENT_DAYS - 1), output_field=DateField())
    days = ListingDay.objects.filter(listing=OuterRef("pk"), day__gte=first, day__lte=today)

    def total(name: str) -> Coalesce:
        summed = days.values("listing").annotate(total=Sum(name)).values("total")
        return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))

    return {"recent_views": total("views"), "recent_bookings": total("bookings")}


def most_viewed_listings(*, now: datetime, days: int, limit: int) -> list[int]:
    """Ids of the public listings viewed most on their own days since `days` days before their
    own today at `now` (each in its zone, as its figures: until session 21 the window was UTC's
    calendar), most first; listings with the same views by id. Only the listings with a day
    of figures since `days` + 1 days before UTC's today are read (through `listing_day_recent`,
    stats.0006): every zone's today is within a day of UTC's, so no other has a day in its
    window, and working out each public listing's today cost 2.3-3.1 s on the real catalogue."""
    since = ExpressionWrapper(_listing_today(now) - Value(days), output_field=DateField())
    recent = ListingDay.objects.filter(listing=OuterRef("pk"), day__gte=since)
    views = recent.values("listing").annotate(total=Sum("views")).values("total")
    earliest = now.astimezone(UTC).date() - timedelta(days=days + 1)
    # The views are the statement's output, not a condition: as a condition (views > 0) the
    # planner tested them on each public listing it read, before the join kept the viewed.
    # Those without views in their own window sort last and are left out here.
    rows = (
        Listing.objects.public()
        .filter(pk__in=ListingDay.objects.filter(day__gte=earliest).values("listing_id"))
        .annotate(recent_views=Subquery(views, output_field=IntegerField()))
        .order_by(F("recent_views").desc(nulls_last=True), "id")
        .values_list("id", "recent_views")[:limit]
    )
    # Without JIT: the probes a viewed listing make the statement's estimate large enough for
    # a server built with LLVM to compile it, 373 ms for a statement of 160 ms (the search
    # turns it off too, engine.search). For this statement alone: its block, a savepoint
    # inside a surrounding transaction, is rolled back (it wrote nothing), which undoes the
    # SET LOCAL; released, it kept JIT off until the surrounding transaction ended (until
    # session 23). Outside one, the block is the transaction, and its end is the setting's.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', 'off', true)")
        popular = [pk for pk, viewed in rows if viewed]
        transaction.set_rollback(True)
    return popular
