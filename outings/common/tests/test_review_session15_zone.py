"""Review (session 15): a time zone made current for one request or one reader is current for it
alone. The thread's zone afterwards is the one it had before, so that whatever runs next in that
thread (the next test of the suite, work done after a request) reads times in its own zone.

Bug: TimezoneMiddleware activated the viewer's zone (the `tz` cookie) and nothing deactivated
it. A test that made a request from Tokyo left Tokyo current for every later test in the
process: one that wrote a date's local time into the admin's form wrote it in Tokyo time and saw
it saved nine hours off (bookings/tests/test_review_session13_announcements.py after
test_mail_time_zone.py)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.accounts.models import User
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.notifications import emails, services

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def _page_in_tokyo(client: Client) -> str:
    listing = ListingFactory.create(time_zone="America/Toronto")
    SlotFactory.create(listing=listing, starts_at=datetime(2031, 7, 5, 14, 0, tzinfo=UTC))
    client.cookies["tz"] = "Asia/Tokyo"
    return client.get(reverse("web:listing", kwargs={"pk": listing.pk})).content.decode()


def test_a_request_in_the_viewers_zone_leaves_the_threads_zone_as_it_was(client: Client) -> None:
    body = _page_in_tokyo(client)

    assert "Your time: Sat 11 p.m. JST" in body  # the page was rendered in the viewer's zone
    assert timezone.get_current_timezone_name() == "UTC"


def test_a_request_made_inside_another_zone_leaves_that_zone_current(client: Client) -> None:
    with timezone.override(BERLIN):
        body = _page_in_tokyo(client)

        assert "JST" in body
        assert timezone.get_current_timezone() == BERLIN


def test_a_signed_in_users_zone_is_current_for_their_request_alone(client: Client) -> None:
    client.force_login(UserFactory.create(time_zone="Asia/Tokyo"))

    with timezone.override(BERLIN):
        client.get("/")

        assert timezone.get_current_timezone() == BERLIN


def _reader_in_tokyo() -> User:
    return UserFactory.create(time_zone="Asia/Tokyo", preferred_language="en")


# A notice with a time in it: read in the date's zone and, where it differs, the reader's.
CLOSED = {
    "listing": "Harbour walk",
    "listing_language": "en",
    "starts_at": "2031-07-05T14:00:00+00:00",
    "time_zone": "America/Toronto",
    "seats": 2,
}


def test_rendering_a_readers_mail_in_their_zone_leaves_the_threads_zone_as_it_was() -> None:
    reader = _reader_in_tokyo()
    services.notify(user=reader, kind="waitlist.closed", data=CLOSED, url="/things-to-do/1/")
    message = OutboxMessage.objects.get(kind=emails.KIND)

    with timezone.override(BERLIN):
        mail = emails.build(message)

        assert mail is not None
        assert "JST" in mail.body  # rendered in the reader's zone
        assert timezone.get_current_timezone() == BERLIN


def test_rendering_a_readers_live_event_in_their_zone_leaves_the_threads_zone_as_it_was() -> None:
    reader = _reader_in_tokyo()
    notification = services.notify(user=reader, kind="waitlist.closed", data=CLOSED, email=False)

    with timezone.override(BERLIN):
        event = services.event_of(notification, user=reader)

        assert "JST" in event["body"]

        assert timezone.get_current_timezone() == BERLIN
