"""How a host's listing does: its views and bookings per day, in the listing's time zone."""

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from outings.api.auth import AUTHENTICATED, caller
from outings.api.caching import set_no_store
from outings.api.errors import ValidationFailed, responses
from outings.api.params import Id
from outings.api.schemas import Day
from outings.stats import selectors as stats

router = Router(tags=["hosting"], auth=AUTHENTICATED)


class StatsParams(Schema):
    first: Day | None = Field(
        None,
        alias="from",
        description="First day, YYYY-MM-DD (in the listing's time zone). Default: "
        f"{stats.RECENT_DAYS - 1} days before "
        "`to`.",
    )
    last: Day | None = Field(
        None,
        alias="to",
        description="Last day, inclusive. Default: the listing's today, or "
        f"{stats.RECENT_DAYS - 1} days after `from`. "
        f"At most {stats.MAX_SPAN_DAYS} days from `from`.",
    )


class StatsDayOut(Schema):
    day: date
    views: int
    bookings: int


class ListingStatsOut(Schema):
    listing_id: int
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    time_zone: str = Field(
        description="The zone the days are counted in: the listing's (an IANA name)."
    )
    views: int = Field(description="Views of the listing's page in these days.")
    bookings: int = Field(description="Bookings confirmed in these days, less those cancelled.")
    days: list[StatsDayOut]


@router.get(
    "/host/listings/{listing_id}/stats",
    response={200: ListingStatsOut, **responses(400, 401, 403, 404, 429)},
    by_alias=True,
)
def get_listing_stats(
    request: HttpRequest, response: HttpResponse, listing_id: Id, params: Query[StatsParams]
) -> dict[str, object]:
    """Views and bookings of one of the caller's listings (any listing's, for staff with the
    permission to view listing days) on each of its days (in its time zone) from `from` to `to`
    (the last 30 days unless asked; days without any as zeros), with their totals. A view is one
    request of the listing's page; views reach these figures in batches, every minute or so, so
    the last minute's may be missing. A booking counts on the day it was confirmed."""
    listing = stats.listing_for_figures(user=caller(request), listing_id=listing_id)
    first, last = _days(params.first, params.last, today=stats.day_of(listing, timezone.now()))
    period = stats.listing_period(listing_id=listing.pk, first=first, last=last)
    set_no_store(response)
    return {
        "listing_id": listing.pk,
        "from": period.first,
        "to": period.last,
        "time_zone": listing.time_zone,
        "views": period.views,
        "bookings": period.bookings,
        "days": period.days,
    }


def _days(first: date | None, last: date | None, *, today: date) -> tuple[date, date]:
    """The days asked for: RECENT_DAYS up to `today` (the listing's), or from one side given;
    400 for `to` before `from`, more than MAX_SPAN_DAYS, or a default side beyond the
    calendar."""
    span = timedelta(days=stats.RECENT_DAYS - 1)
    try:
        if first is None and last is None:
            first, last = stats.recent(today=today)
        elif first is None:
            assert last is not None
            first = last - span
        elif last is None:
            last = first + span
    except OverflowError as error:
        side = "query.from" if last is None or first is not None else "query.to"
        raise ValidationFailed(fields={side: [_("Too close to the calendar's end.")]}) from error
    if last < first:
        raise ValidationFailed(fields={"query.to": [_("Must not be before the first day (from).")]})
    if (last - first).days + 1 > stats.MAX_SPAN_DAYS:
        raise ValidationFailed(
            fields={"query.to": [_("At most %(days)s days.") % {"days": stats.MAX_SPAN_DAYS}]}
        )
    return first, last
