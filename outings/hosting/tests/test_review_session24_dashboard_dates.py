"""Review (session 24): the dashboard's next three dates of each listing (`/host/`). They were
read by a query of their own (open dates starting from now, the counter's seats taken), so the
dashboard disagreed with the listing's schedules page and its own page ("Next dates",
hosting.selectors.upcoming_slots since session 23): the date under way was missing while its
group was out (no roster link on the page a host opens first), a date cancelled among the next
ones was not shown at all, and a hold or request whose time had run out, before the sweep
recorded it, counted as seats taken, on the schedules page too, while the roster the number
links to (and every guest's page) counts those seats as free. Both now read one selector,
hosting.selectors.next_dates. Each test failed on the code it was written against but the
controls."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from outings.accounts.models import HostProfile
from outings.bookings import services as bookings
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.hosting.selectors import NEXT_SLOTS
from outings.hosting.tests.test_review_session23_next_dates import under_way
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]
__all__ = ["under_way"]  # a date begun half an hour ago, 3 seats taken of 10


def _board(client: Client) -> dict[int, list[int]]:
    response = client.get("/host/")
    assert response.status_code == 200
    return {
        row.listing.pk: [slot.pk for slot in row.next_slots]
        for row in response.context["board"].rows
    }


def _row_of(page: str, slot: Slot) -> str:
    """The dashboard's entry of one date: from its roster link to the end of its line."""
    return page.split(f'href="/host/slots/{slot.pk}/roster/"', 1)[1].split("</li>", 1)[0]


def _dates(listing: Listing, days: list[int], **values: object) -> list[Slot]:
    soon = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    return [
        SlotFactory.create(listing=listing, starts_at=soon + timedelta(days=n), **values)
        for n in days
    ]


def test_the_date_under_way_is_on_the_dashboard_with_its_roster(
    host_client: Client, listing: Listing, under_way: Slot
) -> None:
    to_come = _dates(listing, [0, 1, 2])

    assert _board(host_client)[listing.pk] == [under_way.pk, to_come[0].pk, to_come[1].pk]
    page = host_client.get("/host/").content.decode()
    assert "under way" in _row_of(page, under_way)
    assert "3/10" in _row_of(page, under_way)


def test_a_cancelled_date_among_the_next_three_is_shown_as_such_and_not_counted(
    host_client: Client, listing: Listing
) -> None:
    first, second, third = _dates(listing, [0, 2, 3])
    [cancelled] = _dates(listing, [1], status=Slot.Status.CANCELLED)
    _dates(listing, [4], status=Slot.Status.CANCELLED)  # after the third: not shown

    assert _board(host_client)[listing.pk] == [first.pk, cancelled.pk, second.pk, third.pk]
    page = host_client.get("/host/").content.decode()
    assert "cancelled" in _row_of(page, cancelled)
    assert "cancelled" not in _row_of(page, second)


def one_confirmed_two_lapsed(date: Slot) -> None:
    """One seat of `date` confirmed, two held by a hold whose time ran out (not swept yet)."""
    now = timezone.now()
    kept = UserFactory.create()
    booking = bookings.hold_seats(guest=kept, slot_id=date.pk, seats=1, now=now)
    bookings.confirm_booking(guest=kept, reference=booking.reference, now=now)
    bookings.hold_seats(
        guest=UserFactory.create(), slot_id=date.pk, seats=2, now=now - timedelta(hours=2)
    )
    date.refresh_from_db()
    assert date.seats_taken == 3  # the counter, until the sweep


def test_a_lapsed_hold_counts_as_free_on_the_dashboard_and_the_schedules_page(
    host_client: Client, listing: Listing
) -> None:
    """Two seats held by a hold whose time ran out (not swept yet), one confirmed: one taken,
    as the roster says."""
    [date] = _dates(listing, [1])
    one_confirmed_two_lapsed(date)

    page = host_client.get("/host/").content.decode()
    assert "1/10" in _row_of(page, date)
    schedules = host_client.get(f"/host/listings/{listing.pk}/schedules/").content.decode()
    assert f'href="/host/slots/{date.pk}/roster/">1</a>' in schedules
    listing_page = host_client.get(f"/host/listings/{listing.pk}/").content.decode()
    assert "1/10" in listing_page.split(f'href="/host/slots/{date.pk}/roster/"', 1)[1]
    roster = host_client.get(f"/host/slots/{date.pk}/roster/").content.decode()
    assert "1 confirmed, 0 held or requested, 10 places." in roster


def test_each_listing_has_its_own_next_dates(
    host_client: Client, host: HostProfile, listing: Listing
) -> None:
    """The control, with two listings: each row lists its own next dates, as many as it has."""
    other = ListingFactory.create(host=host)
    mine = _dates(listing, [0, 1, 2, 3])
    others = _dates(other, [0, 5])

    board = _board(host_client)

    assert board[listing.pk] == [slot.pk for slot in mine[:NEXT_SLOTS]]
    assert board[other.pk] == [slot.pk for slot in others]


def test_the_date_under_way_reads_in_german_on_the_dashboard(
    host_client: Client, listing: Listing, under_way: Slot
) -> None:
    host_client.cookies["django_language"] = "de"
    with translation.override("de"):
        page = host_client.get("/host/").content.decode()

    assert "läuft gerade" in _row_of(page, under_way)
