"""Every host page reads a bounded number of rows, however long a host has been hosting: each is
shown with PAGE_SIZE (or its own bound) smaller than the rows there are, and must page through
them, never show them all at once."""

import csv
import io
import re
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile
from outings.bookings import services as bookings
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, ScheduleFactory, UserFactory
from outings.common.tests.queries import statements_of
from outings.hosting.selectors import EXCEPTIONS_SHOWN
from outings.hosting.views import bookings as views
from outings.scheduling.models import Schedule, ScheduleException, Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "media", "nudges")]


def pages_of(client: Client, path: str, shown: str) -> list[list[str]]:
    """What each page from `path` on shows (the groups `shown` matches), following rel="next"."""
    pages: list[list[str]] = []
    while path:
        response = client.get(path)
        assert response.status_code == 200, response.content[:2000]
        page = response.content.decode()
        pages.append(re.findall(shown, page))
        more = re.search(r'rel="next" href="([^"]+)"', page)
        path = path.split("?")[0] + more.group(1).replace("&amp;", "&") if more else ""
    return pages


# --- The public host page ----------------------------------------------------------------


def test_the_public_host_page_shows_a_page_of_listings_and_links_to_the_rest(
    client: Client, host: HostProfile, settings: Any
) -> None:
    """Bug: the page stopped at 50 listings, silently, with no way to the others."""
    settings.PAGE_SIZE = 3
    made = [ListingFactory.create(host=host).pk for _ in range(7)]

    pages = pages_of(client, f"/host/people/{host.pk}/", r'href="/things-to-do/([0-9]+)/')

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [int(pk) for page in pages for pk in page] == sorted(made, reverse=True)


def test_a_bad_page_link_of_the_public_host_page_is_a_friendly_400(
    client: Client, host: HostProfile
) -> None:
    response = client.get(f"/host/people/{host.pk}/?after=bm9wZQ")

    assert response.status_code == 400
    assert "This page link is not valid" in response.content.decode()


# --- A cancelled date's roster and its CSV -------------------------------------------------


def guest_books(slot: Slot, seats: int = 1) -> Booking:
    guest = UserFactory.create()
    now = timezone.now()
    booking = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=now)
    return bookings.confirm_booking(guest=guest, reference=booking.reference, now=now)


def cancelled_date(host: HostProfile, slot: Slot, *, before: int, with_it: int) -> list[str]:
    """`before` guests book and cancel, then `with_it` book and the host cancels the date. The
    references in the roster's order: those the date's cancellation ended (booked first, first),
    then the earlier cancellations, latest first."""
    earlier: list[str] = []
    for _ in range(before):
        booking = guest_books(slot)
        bookings.cancel_booking(
            guest=booking.guest, reference=booking.reference, now=timezone.now()
        )
        earlier.append(booking.reference)
    kept = [guest_books(slot).reference for _ in range(with_it)]
    bookings.cancel_slot(host=host, slot_id=slot.pk, reason="Storm", now=timezone.now())
    return kept + earlier[::-1]


def test_a_cancelled_dates_roster_shows_a_page_of_its_cancellations_those_it_cancelled_first(
    host_client: Client, host: HostProfile, slot: Slot, settings: Any
) -> None:
    """Bug: a cancelled date's roster listed every cancelled booking of the date, earlier
    cancellations included: booking and cancelling again and again grew it without limit."""
    settings.PAGE_SIZE = 3
    order = cancelled_date(host, slot, before=5, with_it=2)

    pages = pages_of(
        host_client, f"/host/slots/{slot.pk}/roster/", r'<td><a href="/host/bookings/(\w+)/">'
    )

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [reference for page in pages for reference in page] == order
    first = host_client.get(f"/host/slots/{slot.pk}/roster/").content.decode()
    assert re.findall(r"<td>(the host|the guest)</td>", first) == ["the host"] * 2 + ["the guest"]
    assert host_client.get(f"/host/slots/{slot.pk}/roster/?after=bm9wZQ").status_code == 400


def read(response: Any) -> list[list[str]]:
    assert response.streaming  # written as it is read, never built whole in memory
    body = response.getvalue().decode()
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_a_cancelled_dates_csv_streams_every_booking_a_chunk_at_a_time(
    host_client: Client, host: HostProfile, slot: Slot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CSV is the whole roster, every cancellation of the date: it streams it, reading a
    bounded chunk of bookings at a time, where it built the whole file in memory."""
    monkeypatch.setattr(views, "CSV_CHUNK", 2, raising=False)
    order = cancelled_date(host, slot, before=3, with_it=2)
    path = f"/host/slots/{slot.pk}/roster.csv"
    host_client.get(path)  # warm the session

    rows, statements = statements_of(lambda: read(host_client.get(path)))

    assert [row[0] for row in rows[1:]] == order
    reads = [sql for sql in statements if 'FROM "bookings_booking"' in sql]
    assert len(reads) == 3  # 2 + 2 + 1
    assert all(sql.endswith("LIMIT 3") for sql in reads), reads


# --- The schedules page ------------------------------------------------------------------


def local_today(listing: Listing) -> date:
    return timezone.now().astimezone(ZoneInfo(listing.time_zone)).date()


def one_date(listing: Listing, day: date) -> int:
    rule = ScheduleFactory.create(
        listing=listing,
        kind=Schedule.Kind.ONCE,
        weekdays=[day.weekday()],
        start_times=[time(10)],
        valid_from=day,
        valid_until=day,
    )
    return int(rule.pk)


def test_the_schedules_page_pages_the_rules_making_dates_and_keeps_the_past_ones_apart(
    host_client: Client, listing: Listing, settings: Any
) -> None:
    """Bug: the page read every rule the listing ever had, and one-off dates are rules: they
    piled up over the years. It shows a page of the rules still making dates, by first day;
    the ones that ended are a paged view of their own (?show=past), latest first."""
    settings.PAGE_SIZE = 2
    today = local_today(listing)
    weekly = ScheduleFactory.create(listing=listing, valid_from=today - timedelta(days=400))
    coming = [one_date(listing, today + timedelta(days=n)) for n in (0, 9, 30)]
    over = [one_date(listing, today - timedelta(days=n)) for n in (1, 20, 300)]
    path = f"/host/listings/{listing.pk}/schedules/"
    rule = r'aria-label="Schedule ([0-9]+)"'

    current = pages_of(host_client, path, rule)
    past = pages_of(host_client, path + "?show=past", rule)

    assert [len(page) for page in current] == [2, 2]
    assert [int(pk) for page in current for pk in page] == [weekly.pk, *coming]
    assert [len(page) for page in past] == [2, 1]
    assert [int(pk) for page in past for pk in page] == over
    assert 'href="?show=past"' in host_client.get(path).content.decode()
    assert host_client.get(path + "?after=bm9wZQ").status_code == 400


def test_a_rule_shows_its_next_exceptions_and_the_rest_are_a_page_of_their_own(
    host_client: Client, listing: Listing, settings: Any
) -> None:
    """Bug: each rule listed every exception it ever had, past ones too (a rule takes one for
    any day ten years ahead). The page shows the next EXCEPTIONS_SHOWN of each rule; all of
    those to come are on the rule's own page, page by page; the past ones are history."""
    settings.PAGE_SIZE = 5
    today = local_today(listing)
    weekly = ScheduleFactory.create(
        listing=listing, weekdays=list(range(7)), valid_from=today - timedelta(days=30)
    )
    for n in (1, 2, 3):
        ScheduleException.objects.create(
            schedule=weekly, day=today - timedelta(days=n), action="cancel"
        )
    coming = [
        ScheduleException.objects.create(
            schedule=weekly, day=today + timedelta(days=n), action="cancel"
        ).pk
        for n in range(12, 0, -1)
    ][::-1]
    undo = r"/exceptions/([0-9]+)/delete/"

    page = host_client.get(f"/host/listings/{listing.pk}/schedules/").content.decode()

    assert [int(pk) for pk in re.findall(undo, page)] == coming[:EXCEPTIONS_SHOWN]
    assert f'href="/host/listings/{listing.pk}/schedules/{weekly.pk}/exceptions/"' in page
    own = pages_of(
        host_client, f"/host/listings/{listing.pk}/schedules/{weekly.pk}/exceptions/", undo
    )

    assert [len(shown) for shown in own] == [5, 5, 2]
    assert [int(pk) for shown in own for pk in shown] == coming
