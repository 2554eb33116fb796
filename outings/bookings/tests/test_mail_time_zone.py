"""A guest who never chose a time zone reads "your time" in mail in the zone their browser uses on
the site (User.site_time_zone, recorded by outings.accounts.middleware), as the pages show it."""

import re

import pytest
from django.db import connection
from django.test import Client

from outings.accounts.models import User
from outings.bookings.models import Booking
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def _signed_in(user: User, zone: str | None) -> Client:
    client = Client()
    client.force_login(user)
    if zone is not None:
        client.cookies["tz"] = zone
    return client


def test_a_guest_who_books_in_tokyo_reads_your_time_in_tokyo_time(guest: User, slot: Slot) -> None:
    client = _signed_in(guest, "Asia/Tokyo")
    page = client.get(f"/things-to-do/{slot.listing_id}/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token is not None
    client.post(
        "/bookings/new/", {"slot": str(slot.pk), "seats": "2", "form_token": token.group(1)}
    )
    booking = Booking.objects.get(guest=guest)
    client.post(f"/bookings/{booking.reference}/confirm/")
    relay.drain(queue="urgent", budget=5)

    message = OutboxMessage.objects.filter(
        kind=emails.KIND, payload__template="booking_confirmed"
    ).latest("id")
    mail = emails.build(message)

    assert mail is not None
    your_time = [line for line in mail.body.splitlines() if line.startswith("Your time:")]
    assert len(your_time) == 1
    assert your_time[0].endswith("JST")


def test_the_zone_is_recorded_once_and_not_written_again(guest: User, slot: Slot) -> None:
    client = _signed_in(guest, "Asia/Tokyo")
    client.get("/")
    updates: list[str] = []

    def record(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and "accounts_user" in sql:
            updates.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        client.get("/")

    guest.refresh_from_db()
    assert guest.site_time_zone == "Asia/Tokyo"
    assert updates == []


@pytest.mark.parametrize("cookie", ["Europe", "Not/AZone", "", None])
def test_a_cookie_that_names_no_zone_records_nothing(guest: User, cookie: str | None) -> None:
    _signed_in(guest, cookie).get("/")

    guest.refresh_from_db()
    assert guest.site_time_zone == ""
    assert guest.reading_time_zone == "UTC"


def test_a_zone_chosen_in_the_profile_wins_and_the_browsers_is_not_recorded(guest: User) -> None:
    User.objects.filter(pk=guest.pk).update(time_zone="Europe/Berlin")
    guest.refresh_from_db()

    _signed_in(guest, "Asia/Tokyo").get("/")

    guest.refresh_from_db()
    assert guest.site_time_zone == ""
    assert guest.reading_time_zone == "Europe/Berlin"
