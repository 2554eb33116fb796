"""A listing's days are its own zone's (Listing.time_zone), not UTC's: a host in Toronto saw an
evening's views, and a booking confirmed that evening, on the next day; the page, the API and
the dashboard counted "today" and the last 30 days by UTC's calendar."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from outings.accounts import services as account_services
from outings.bookings import handlers
from outings.bookings import services as booking_services
from outings.catalog.models import Listing
from outings.catalog.tests.factories import (
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.common.models import OutboxMessage
from outings.stats import services
from outings.stats.models import ListingDay
from outings.stats.tests.fixtures import memory_buffer

pytestmark = pytest.mark.django_db
__all__ = ["memory_buffer"]  # a fixture, used by name

# 23:50 on 9 March 2026 in Toronto (EDT, UTC-4) is 03:50 on the 10th in UTC.
TORONTO_EVENING = datetime(2026, 3, 10, 3, 50, tzinfo=UTC)
# 00:05 on 11 March 2026 in Kathmandu (UTC+5:45) is 18:20 on the 10th in UTC.
KATHMANDU_MIDNIGHT = datetime(2026, 3, 10, 18, 20, tzinfo=UTC)


def views_by_day(listing: Listing) -> list[tuple[date, int]]:
    return list(ListingDay.objects.filter(listing=listing).values_list("day", "views"))


def count_views_around_midnight() -> tuple[Listing, Listing]:
    toronto = ListingFactory.create(time_zone="America/Toronto")
    kathmandu = ListingFactory.create(time_zone="Asia/Kathmandu")
    for at in (TORONTO_EVENING, TORONTO_EVENING + timedelta(minutes=15)):  # 23:50 and 00:05
        services.record_listing_view(listing_id=toronto.pk, now=at)
    for at in (KATHMANDU_MIDNIGHT - timedelta(minutes=10), KATHMANDU_MIDNIGHT):  # 23:55, 00:05
        services.record_listing_view(listing_id=kathmandu.pk, now=at)
    services.flush_listing_views()
    return toronto, kathmandu


def test_views_count_on_the_listings_own_day_with_the_memory_buffer(memory_buffer) -> None:
    toronto, kathmandu = count_views_around_midnight()

    assert sorted(views_by_day(toronto)) == [(date(2026, 3, 9), 1), (date(2026, 3, 10), 1)]
    assert sorted(views_by_day(kathmandu)) == [(date(2026, 3, 10), 1), (date(2026, 3, 11), 1)]


def test_views_count_on_the_listings_own_day_with_redis(redis_url: str) -> None:
    with override_settings(REDIS_URL=redis_url):
        services.flush_listing_views()  # whatever an earlier test left
        toronto, kathmandu = count_views_around_midnight()

    assert sorted(views_by_day(toronto)) == [(date(2026, 3, 9), 1), (date(2026, 3, 10), 1)]
    assert sorted(views_by_day(kathmandu)) == [(date(2026, 3, 10), 1), (date(2026, 3, 11), 1)]


def test_a_booking_counts_on_the_listings_day_it_was_confirmed() -> None:
    listing = ListingFactory.create(time_zone="America/Toronto")
    start = TORONTO_EVENING + timedelta(days=3)
    slot = SlotFactory.create(listing=listing, starts_at=start, ends_at=start + timedelta(hours=2))
    guest = UserFactory.create()
    held = booking_services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=TORONTO_EVENING)
    booking_services.confirm_booking(guest=guest, reference=held.reference, now=TORONTO_EVENING)

    handlers.confirmed(OutboxMessage.objects.get(kind="bookings.confirmed"))

    held.refresh_from_db()
    assert held.counted_on == date(2026, 3, 9)
    assert list(ListingDay.objects.values_list("day", "bookings")) == [(date(2026, 3, 9), 1)]


def zone_off_utcs_date(now: datetime) -> str:
    """A zone whose date is not UTC's at `now`, whatever the hour: UTC+14 from 10:00 UTC,
    UTC-11 before 11:00 UTC."""
    return "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"


def local_today(listing: Listing) -> date:
    return timezone.now().astimezone(ZoneInfo(listing.time_zone)).date()


@pytest.fixture
def far_listing() -> Listing:
    """A listing whose today is not UTC's, with figures on its own today and UTC's."""
    listing = ListingFactory.create(time_zone=zone_off_utcs_date(timezone.now()))
    today = local_today(listing)
    assert today != timezone.now().date()
    ListingDay.objects.create(listing=listing, day=today, views=3)
    ListingDay.objects.create(listing=listing, day=today - timedelta(days=29), views=5)
    for outside in (today - timedelta(days=30), today + timedelta(days=1)):
        ListingDay.objects.create(listing=listing, day=outside, views=100)
    return listing


def test_the_api_answers_the_listings_own_last_30_days(far_listing: Listing) -> None:
    secret = account_services.create_api_token(user=far_listing.host.user, name="t").secret
    api = Client(headers={"Authorization": f"Bearer {secret}"})

    body = api.get(f"/api/v1/host/listings/{far_listing.pk}/stats").json()

    today = local_today(far_listing)
    assert body["time_zone"] == far_listing.time_zone
    assert (body["from"], body["to"]) == (
        (today - timedelta(days=29)).isoformat(),
        today.isoformat(),
    )
    assert body["views"] == 8


def test_the_page_shows_the_listings_own_last_30_days(far_listing: Listing) -> None:
    client = Client()
    client.force_login(far_listing.host.user)

    page = client.get(f"/host/listings/{far_listing.pk}/stats/").content.decode()

    assert 'data-total-views="8"' in page
    assert far_listing.time_zone in page
    assert f'datetime="{local_today(far_listing).isoformat()}"' in page


def test_the_dashboard_counts_each_listings_own_last_30_days(far_listing: Listing) -> None:
    utc = ListingFactory.create(host=far_listing.host, time_zone="UTC")
    ListingDay.objects.create(listing=utc, day=timezone.now().date(), views=2)
    ListingDay.objects.create(listing=utc, day=timezone.now().date() - timedelta(30), views=50)
    client = Client()
    client.force_login(far_listing.host.user)

    page = client.get("/host/").content.decode()

    assert f'data-recent-views="{far_listing.pk}:8"' in page
    assert f'data-recent-views="{utc.pk}:2"' in page
