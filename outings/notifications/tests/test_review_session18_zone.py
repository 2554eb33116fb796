"""Review (notifications, session 18): a time in a notification says its zone.

Booking notifications carry their listing's zone (`data["time_zone"]`) since it was added; the
rows stored before read in the reader's zone with no zone named ("March 30, 2031, 8 a.m."): a
reader could not tell whose clock that was. Rows that name a booking now get its listing's zone
(a data migration, 0012), and a time whose data still names no zone names the reader's."""

import importlib

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from outings.bookings.effects import booking_data
from outings.catalog.tests.factories import UserFactory
from outings.notifications import texts
from outings.notifications.models import Notification
from outings.notifications.tests.test_review_mail import book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges", "in_memory_channel_layer")]

BACKFILL = importlib.import_module(
    "outings.notifications.migrations.0012_notification_zone_from_booking"
).BACKFILL


def test_a_time_whose_data_names_no_zone_names_the_readers():
    data = {"listing": "Harbour walk", "starts_at": "2031-03-30T08:00:00+00:00"}

    with timezone.override("Europe/Berlin"):
        body = texts.render(Notification.Kind.BOOKING_CONFIRMED, data).body

    assert body == "Your booking for “Harbour walk” on March 30, 2031, 10 a.m. CEST is confirmed."


def test_a_booking_notice_stored_without_a_zone_reads_at_its_listings_time(client: Client):
    guest = UserFactory.create(preferred_language="en", time_zone="UTC")
    booking = book(guest, title="Harbour walk")  # in Madrid, 10 a.m. on March 30, 2031
    data = booking_data(booking)
    data.pop("time_zone")  # as written before zones were stored
    old = Notification.objects.create(
        user=guest, kind=Notification.Kind.BOOKING_CONFIRMED, data=data, created_at=timezone.now()
    )
    other = Notification.objects.create(  # names no booking: left as it is
        user=guest,
        kind=Notification.Kind.LISTING_APPROVED,
        data={"listing": "Walk"},
        created_at=timezone.now(),
    )

    with connection.cursor() as cursor:
        cursor.execute(BACKFILL)
    client.force_login(guest)
    page = client.get("/notifications/").content.decode()

    old.refresh_from_db()
    assert old.data["time_zone"] == "Europe/Madrid" == booking.listing.time_zone
    assert Notification.objects.get(pk=other.pk).data == {"listing": "Walk"}
    assert "March 30, 2031, 10 a.m. CEST (your time: Sun 8 a.m. UTC)" in page
