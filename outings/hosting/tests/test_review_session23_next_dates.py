"""Review (session 23, afternoon): the "Next dates" of a listing's schedules page (and of its
page). They listed the next 30 dates from now: a date under way was left out, so the host lost
its roster link just when the group was out, and cancelled dates were counted among the 30, so
a few cancellations pushed dates that take place off the list. A host expects the dates that
take place: the one under way first (shown so, with no places field or Cancel, which the
services refuse), then the next ones up to 30, with the cancelled dates among them shown as
such but not counted. Each test failed on the code it was written against, but the controls."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.hosting.views.schedules import UPCOMING
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


def _shown(client: Client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200
    return [slot.pk for slot in response.context["slots"]]


def _dates(listing: Listing, first_day: int, days: int, **values: object) -> list[Slot]:
    soon = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    return [
        SlotFactory.create(listing=listing, starts_at=soon + timedelta(days=n), **values)
        for n in range(first_day, first_day + days)
    ]


@pytest.fixture
def under_way(listing: Listing) -> Slot:
    started = timezone.now() - timedelta(minutes=30)
    return SlotFactory.create(
        listing=listing, starts_at=started, ends_at=started + timedelta(hours=2), seats_taken=3
    )


def test_the_date_under_way_is_listed_first_without_its_forms(
    host_client: Client, listing: Listing, under_way: Slot
) -> None:
    [to_come] = _dates(listing, 0, 1)
    url = f"/host/listings/{listing.pk}/schedules/"

    assert _shown(host_client, url) == [under_way.pk, to_come.pk]

    page = host_client.get(url).content.decode()
    row = page.split(f'href="/host/slots/{under_way.pk}/roster/"')[0].rsplit("<tr>", 1)[1]
    row += page.split(f'href="/host/slots/{under_way.pk}/roster/"')[1].split("</tr>", 1)[0]
    assert "under way" in row
    assert f'id="cap-{under_way.pk}"' not in row
    assert 'value="cancel"' not in row
    assert f'id="cap-{to_come.pk}"' in page


def test_the_listing_page_lists_the_date_under_way_too(
    host_client: Client, listing: Listing, under_way: Slot
) -> None:
    assert _shown(host_client, f"/host/listings/{listing.pk}/") == [under_way.pk]


def test_a_date_that_has_ended_is_not_listed(host_client: Client, listing: Listing) -> None:
    """The control: over is over."""
    ended = timezone.now() - timedelta(hours=3)
    SlotFactory.create(listing=listing, starts_at=ended, ends_at=ended + timedelta(hours=2))

    assert _shown(host_client, f"/host/listings/{listing.pk}/schedules/") == []


def test_cancelled_dates_do_not_push_dates_that_take_place_off_the_list(
    host_client: Client, listing: Listing
) -> None:
    cancelled = _dates(listing, 0, 5, status=Slot.Status.CANCELLED)
    taking_place = _dates(listing, 5, UPCOMING)
    beyond = _dates(listing, 5 + UPCOMING, 1, status=Slot.Status.CANCELLED)

    shown = _shown(host_client, f"/host/listings/{listing.pk}/schedules/")

    assert shown == [slot.pk for slot in cancelled + taking_place]
    assert beyond[0].pk not in shown  # the control: after the 30th date that takes place


def test_the_date_under_way_reads_in_german(
    host_client: Client, listing: Listing, under_way: Slot
) -> None:
    host_client.cookies["django_language"] = "de"
    with translation.override("de"):
        page = host_client.get(f"/host/listings/{listing.pk}/schedules/").content.decode()

    assert "läuft gerade" in page
