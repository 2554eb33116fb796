"""Review (session 17): what a guest reads about a cancellation staff made in the admin, and the
reminder of a date staff move more than once. The real outbox relay delivers the rows, to a
real SMTP server (aiosmtpd)."""

from datetime import datetime, timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.admin import site as admin_site
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.effects import REMIND
from outings.bookings.models import Booking
from outings.bookings.tests import test_review_session14 as session14
from outings.bookings.tests.test_races_reminders import reminders_to
from outings.bookings.tests.test_review_session14 import _nudges, sink
from outings.bookings.tests.test_review_session15_retime import handle_moves
from outings.bookings.tests.test_review_session16_host_told import (
    cancel_booking_in_admin,
    host_mails,
    host_of,
)
from outings.bookings.tests.test_review_session16_reminder import reminders_due
from outings.bookings.tests.test_review_session16_slot_admin import cancel_in_admin
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.scheduling.models import Slot

__all__ = ["_nudges", "sink"]  # fixtures

pytestmark = pytest.mark.django_db

IN_THE_ADMIN = "Cancelled by staff in the admin."
IN_THE_ADMIN_DE = "Von unserem Team in der Verwaltung storniert."


@pytest.fixture
def german_staff(client: Client) -> Client:
    """Staff who read the admin in German."""
    assert admin_site.is_registered(Slot)
    staff = UserFactory.create(is_staff=True, is_superuser=True, preferred_language="de")
    client.force_login(staff)
    return client


def reader(user: User, language: str) -> Client:
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    client = Client()
    client.force_login(user)
    return client


def booking_page(user: User, booking: Booking, language: str) -> str:
    response = reader(user, language).get(reverse("bookings:detail", args=[booking.reference]))
    assert response.status_code == 200
    return response.content.decode()


def cancelled_mail(sink: SmtpSink, user: User) -> str:
    [mail] = [
        mail
        for mail in session14.received_by(sink, user)
        if str(mail["Subject"]).startswith(("Booking cancelled", "Buchung storniert"))
    ]
    return session14.text_of(mail)


# --- 3. The reason our own code gives, in the reader's language -------------------------------


def test_a_date_staff_cancel_in_the_admin_reads_in_each_guests_language(
    guest: User, other_guest: User, german_staff: Client, sink: SmtpSink
) -> None:
    """Bug: the reason the admin's action gives ("Cancelled by staff in the admin.") was stored
    translated into the staff member's language: a guest reading English read it in German, on
    the booking page and in the mail. It is our wording, not staff's: stored as its English
    msgid, as the minimum's reason is, and each reader reads it in their language."""
    slot, booking = session14.toronto_date(guest)
    User.objects.filter(pk=other_guest.pk).update(preferred_language="de")
    theirs = session14.book(other_guest, slot, seats=1, now=timezone.now())
    host = host_of(slot)
    session14.run_worker()

    cancel_in_admin(german_staff, slot)
    session14.run_worker()

    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by) == ("cancelled", "staff")
    assert booking.cancel_reason == IN_THE_ADMIN
    english, german = booking_page(guest, booking, "en"), booking_page(other_guest, theirs, "de")
    assert IN_THE_ADMIN in english
    assert IN_THE_ADMIN_DE not in english
    assert IN_THE_ADMIN_DE in german
    assert f"Reason: {IN_THE_ADMIN}" in cancelled_mail(sink, guest)
    assert IN_THE_ADMIN_DE in cancelled_mail(sink, other_guest)
    [notice] = host_mails(sink, host)
    assert f"Our team's note: {IN_THE_ADMIN}" in session14.text_of(notice)


def test_a_booking_staff_cancel_in_the_admin_reads_in_the_guests_language(
    guest: User, german_staff: Client, sink: SmtpSink
) -> None:
    """The bookings admin's action "Cancel, refunding in full": the same."""
    slot, booking = session14.toronto_date(guest)
    host = host_of(slot)

    cancel_booking_in_admin(german_staff, booking)

    booking.refresh_from_db()
    assert booking.cancel_reason == IN_THE_ADMIN
    assert IN_THE_ADMIN in booking_page(guest, booking, "en")
    assert f"Reason: {IN_THE_ADMIN}" in cancelled_mail(sink, guest)
    [notice] = host_mails(sink, host)
    assert f"Reason: {IN_THE_ADMIN}" in session14.text_of(notice)


def test_a_reason_staff_type_stays_as_they_typed_it(guest: User, sink: SmtpSink) -> None:
    """Pinned: a person's reason is theirs, shown as typed to every reader (it is not ours to
    translate), including one that happens to be in another language than the reader's."""
    slot, booking = session14.toronto_date(guest)
    staff = UserFactory.create(is_staff=True, permissions=["scheduling.change_slot"])

    services.cancel_slot_as_staff(
        staff=staff, slot_id=slot.pk, reason="Sturm über dem See.", now=timezone.now()
    )
    session14.run_worker()

    booking.refresh_from_db()
    assert booking.cancel_reason == "Sturm über dem See."
    assert "Sturm über dem See." in booking_page(guest, booking, "en")
    assert "Reason: Sturm über dem See." in cancelled_mail(sink, guest)


def test_reasons_the_admin_stored_in_german_are_stored_as_the_msgid(guest: User) -> None:
    """The data migration: cancellations made in the admin before (their reason in the staff
    member's language) read in each reader's language too; a reason a person typed is left."""
    _slot, booking = session14.toronto_date(guest)
    _other, typed = session14.toronto_date(UserFactory.create())
    staff = UserFactory.create(is_staff=True, permissions=["bookings.change_booking"])
    for cancelled, reason in ((booking, IN_THE_ADMIN_DE), (typed, "Sturm.")):
        services.cancel_booking_as_staff(
            staff=staff, reference=cancelled.reference, reason=reason, now=timezone.now()
        )

    import_module("outings.bookings.migrations.0008_admin_reason_as_msgid")._as_msgid(apps, None)

    reasons = dict(Booking.objects.values_list("pk", "cancel_reason"))
    assert reasons == {booking.pk: IN_THE_ADMIN, typed.pk: "Sturm."}


# --- 4. The reminder of a date staff move, and move back --------------------------------------


def move(staff: Client, slot: Slot, *, starts_at: datetime) -> None:
    """Staff correct the date's start (it keeps its length); the worker telling guests runs."""
    slot.refresh_from_db()
    session14.move_in_admin(
        staff, slot, starts_at=starts_at, ends_at=starts_at + (slot.ends_at - slot.starts_at)
    )
    handle_moves()


def announced(guest: User) -> Slot:
    """The guest's confirmed booking three days ahead, announced: its reminder is planned. Its
    start in whole seconds, as the admin's form writes one (so that a move back is to it)."""
    now = timezone.now()
    start = (now + timedelta(days=3)).replace(microsecond=0)
    slot: Slot = SlotFactory.create(starts_at=start, ends_at=start + timedelta(hours=2))
    session14.book(guest, slot, now=now)
    relay.drain(queue="urgent", budget=5)
    assert OutboxMessage.objects.filter(kind=REMIND).count() == 1
    return slot


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("back", ["where it was", "elsewhere"])
def test_a_date_moved_within_a_day_and_back_is_reminded_of_once(
    guest: User, staff: Client, back: str
) -> None:
    """Pinned (no defect found): a move to less than a day ahead plans no reminder (the move's
    own mail is the last word; docs/bookings.md), and a move back to more than a day ahead has
    one again: to where it was, the one planned then, still due; elsewhere, a new one."""
    slot = announced(guest)
    first = slot.starts_at
    move(staff, slot, starts_at=timezone.now() + timedelta(hours=10))

    target = first if back == "where it was" else first + timedelta(hours=5)
    move(staff, slot, starts_at=target)
    reminders_due()
    relay.drain(queue="default", budget=50)

    assert reminders_to(guest) == 1


def test_a_date_moved_away_and_back_is_reminded_of_once(guest: User, staff: Client) -> None:
    """Bug: staff move a date a day later and then back. The first move planned a reminder for
    the new start, and the move back one for the start it had, whose reminder (planned when the
    booking was announced) was still due: two reminders came, a day before the start, the same
    mail twice. A reminder now goes once for the start it was planned for."""
    slot = announced(guest)
    first = slot.starts_at
    move(staff, slot, starts_at=first + timedelta(days=1))
    move(staff, slot, starts_at=first)

    reminders_due()
    relay.drain(queue="default", budget=50)

    assert reminders_to(guest) == 1
