"""Review (session 12): who is told when a booked date changes, and the booking page's calendar
file."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage

import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog import services as catalog_services
from outings.catalog.models import Listing
from outings.catalog.services import ListingData
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.models import Notification
from outings.scheduling import services as scheduling
from outings.scheduling.models import Slot
from outings.scheduling.rules import ScheduleData

pytestmark = pytest.mark.django_db

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def mails_to(user: User) -> list[EmailMultiAlternatives]:
    built: list[EmailMultiAlternatives] = []
    for message in OutboxMessage.objects.filter(kind=emails.KIND, payload__to=user.email):
        mail = emails.build(message)
        assert mail is not None
        built.append(mail)
    return built


def lengthen(listing: Listing, *, minutes: int) -> None:
    listing.refresh_from_db()
    catalog_services.update_listing(
        host=listing.host,
        listing_id=listing.pk,
        expected_version=listing.version,
        data=replace(ListingData.of(listing), duration_minutes=minutes),
        actor=listing.host.user,
        now=NOW,
    )
    relay.drain(queue="default", budget=5)


def one_date(listing: Listing) -> Slot:
    """Saturday, July 5, 2031 at 10:00, the listing's one date, made by a schedule rule (whose
    dates follow the listing's duration)."""
    listing.refresh_from_db()
    schedule = scheduling.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            kind="once", start_times=[time(10, 0)], valid_from=date(2031, 7, 5), capacity=8
        ),
        now=NOW,
    )
    return schedule.slots.get()


@pytest.mark.parametrize("instant", [True, False], ids=["hold", "request"])
def test_a_guest_holding_or_asking_for_seats_is_told_when_the_date_ends_later(
    guest: User, listing: Listing, instant: bool
) -> None:
    """A confirmed guest is told that the date now ends at 12:30 instead of 11:00; a guest who
    holds seats on it (a waiting-list offer is held for two hours) or asked the host for them
    (a request waits up to a day) heard nothing, and found out, if at all, from the confirmation.
    They are told too: their hold or request stands, at the new time."""
    User.objects.filter(pk=guest.pk).update(time_zone="America/Toronto", preferred_language="en")
    Listing.objects.filter(pk=listing.pk).update(
        duration_minutes=60,
        time_zone="America/Toronto",
        instant_booking=instant,
        status=Listing.Status.PUBLISHED,
        address="1 Harbour Street",
    )
    slot = one_date(listing)
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    relay.drain(queue="urgent", budget=5)

    lengthen(listing, minutes=150)

    [notification] = Notification.objects.filter(user=guest, kind=Notification.Kind.BOOKING_RETIMED)
    assert notification.url == f"/bookings/{booking.reference}/"
    [mail] = mails_to(guest)
    assert "now ends at July 5, 2031, 12:30 p.m. EDT" in mail.body
    if instant:
        assert "Your seats stay held at the new time until June 1, 2031, 8:10 a.m. EDT" in mail.body
    else:
        assert "Your request stands at the new time; the host answers by" in mail.body
    assert "calendar" not in mail.body  # they have no event in their calendar to move
    assert mail.attachments == []
    booking.refresh_from_db()
    assert booking.status == (Booking.Status.HELD if instant else Booking.Status.REQUESTED)


def test_a_guest_whose_hold_ended_or_ran_out_is_not_told_of_the_new_time(
    guest: User, other_guest: User, listing: Listing
) -> None:
    Listing.objects.filter(pk=listing.pk).update(
        duration_minutes=60, status=Listing.Status.PUBLISHED, address="1 Harbour Street"
    )
    slot = one_date(listing)
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    services.cancel_booking(guest=guest, reference=held.reference, now=timezone.now())
    services.hold_seats(
        guest=User.objects.create(username="other", email="o@example.org"),
        slot_id=slot.pk,
        seats=1,
        now=NOW,
    )  # someone's seats keep the date booked, so its guests are told
    # A hold whose ten minutes ran out a while ago, not swept yet: it stands no more.
    services.hold_seats(
        guest=other_guest, slot_id=slot.pk, seats=1, now=timezone.now() - timedelta(minutes=30)
    )

    lengthen(listing, minutes=150)

    retimed = Notification.objects.filter(kind=Notification.Kind.BOOKING_RETIMED)
    assert [n.user.email for n in retimed] == ["o@example.org"]


def test_the_downloaded_calendar_file_names_its_method_in_its_content_type(
    client: Client, guest: User, slot: Slot
) -> None:
    """The file says METHOD:PUBLISH, as the mailed invite does; RFC 5545 §3.7.2: "If either
    the METHOD property or the Content-Type 'method' parameter is specified, then the other
    MUST also be specified", with the same value (and RFC 6047 §2.4 for the mailed one). The
    download was served as "text/calendar; charset=utf-8", without it."""
    now = timezone.now()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    booking = services.confirm_booking(guest=guest, reference=held.reference, now=now)
    client.force_login(guest)

    response = client.get(f"/bookings/{booking.reference}/calendar.ics")

    message = EmailMessage()
    message["Content-Type"] = response["Content-Type"]
    assert message.get_content_type() == "text/calendar"
    assert message.get_param("charset") == "utf-8"
    assert message.get_param("method") == str(Calendar.from_ical(response.content)["method"])
    assert message.get_param("method") == "PUBLISH"
