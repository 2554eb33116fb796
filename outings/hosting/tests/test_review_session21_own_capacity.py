"""Review (session 21): a date whose places the host set on it (`Slot.own_capacity`) keeps them
when its rule's capacity changes; the API said which dates those are, the pages did not. A host
who raised a rule from 8 to 12 places saw one date stay at 5 on the schedules page and its
roster, with nothing saying why or that the rule no longer moves it. Both pages now say that the
number is the date's own, and the rule's."""

from datetime import time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.bookings import services as booking_services
from outings.catalog.tests.factories import ListingFactory
from outings.scheduling.models import Slot
from outings.scheduling.tests.test_review_session15_services import mondays_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

OWN = "Set for this date; its rule has 8."


def _two_dates_one_set_on_its_own() -> tuple[Slot, Slot]:
    listing = ListingFactory.create(duration_minutes=90, time_zone="UTC")
    today = timezone.now().date()
    monday = today + timedelta(days=7 - today.weekday())
    mondays_at(listing, time(10, 0), first=monday, now=timezone.now())  # 8 places
    own, following = Slot.objects.filter(listing=listing).order_by("starts_at")
    booking_services.change_slot_capacity(
        host=listing.host, slot_id=own.pk, capacity=5, now=timezone.now()
    )
    own.refresh_from_db()
    assert (own.capacity, own.own_capacity) == (5, True)
    assert (following.capacity, following.own_capacity) == (8, False)
    return own, following


def test_the_schedules_page_says_which_dates_places_are_their_own(client: Client) -> None:
    own, following = _two_dates_one_set_on_its_own()
    client.force_login(own.listing.host.user)

    page = client.get(f"/host/listings/{own.listing_id}/schedules/").content.decode()

    assert page.count(OWN) == 1
    # In the row of that date, after its field, not the other's.
    assert (
        page.index(f'id="cap-{own.pk}"') < page.index(OWN) < page.index(f'id="cap-{following.pk}"')
    )


def test_the_roster_says_the_dates_places_are_its_own(client: Client) -> None:
    own, following = _two_dates_one_set_on_its_own()
    client.force_login(own.listing.host.user)

    own_page = client.get(f"/host/slots/{own.pk}/roster/").content.decode()
    following_page = client.get(f"/host/slots/{following.pk}/roster/").content.decode()

    assert "0 confirmed, 0 held or requested, 5 places." in own_page
    assert OWN in own_page
    assert "0 confirmed, 0 held or requested, 8 places." in following_page
    assert "Set for this date" not in following_page


def test_a_date_set_back_to_its_rules_number_says_nothing_more(client: Client) -> None:
    own, _ = _two_dates_one_set_on_its_own()
    booking_services.change_slot_capacity(
        host=own.listing.host, slot_id=own.pk, capacity=8, now=timezone.now()
    )
    client.force_login(own.listing.host.user)

    schedules = client.get(f"/host/listings/{own.listing_id}/schedules/").content.decode()
    roster = client.get(f"/host/slots/{own.pk}/roster/").content.decode()

    assert "Set for this date" not in schedules
    assert "Set for this date" not in roster


def test_it_reads_in_german(client: Client) -> None:
    own, _ = _two_dates_one_set_on_its_own()
    client.force_login(own.listing.host.user)

    page = client.get(
        f"/host/slots/{own.pk}/roster/", headers={"accept-language": "de"}
    ).content.decode()

    assert "Für diesen Termin festgelegt; seine Regel hat 8." in page
