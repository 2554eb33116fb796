"""Review (session 14): what guests are told when staff move a booked date (the slot admin) or
change its listing's duration or time zone (the listing admin), and in which order a guest hears
"Booked" and "it is on". The real outbox relay delivers the rows; mail goes to a real SMTP
server (aiosmtpd) where the order matters."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.models import Notification
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.scheduling.models import Slot
from outings.scheduling.tests.test_review_session13_admin import save_in_admin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def run_worker() -> None:
    """Every due outbox row, as the workers would (a handler's mail is a row of its own)."""
    for _round in range(3):
        relay.drain(queue="urgent", budget=50)
        relay.drain(queue="default", budget=50)


def book(guest: User, slot: Slot, *, seats: int = 2, now: datetime) -> Booking:
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=now)
    return services.confirm_booking(guest=guest, reference=held.reference, now=now)


def mails_to(user: User, template: str) -> list[EmailMultiAlternatives]:
    built: list[EmailMultiAlternatives] = []
    for message in OutboxMessage.objects.filter(
        kind=emails.KIND, payload__to=user.email, payload__template=template
    ).order_by("id"):
        mail = emails.build(message)
        assert mail is not None
        built.append(mail)
    return built


def invite_of(mail: EmailMultiAlternatives) -> str:
    [(_name, content, _mimetype)] = mail.attachments
    return str(content)


@pytest.fixture
def staff_client(client: Client) -> Client:
    assert admin_site.is_registered(Slot)
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


# --- 1. Staff move a booked date's times ----------------------------------------------------


def move_in_admin(client: Client, slot: Slot, *, starts_at: datetime, ends_at: datetime) -> None:
    starts, ends = timezone.localtime(starts_at), timezone.localtime(ends_at)
    save_in_admin(
        client,
        slot,
        starts_at_0=f"{starts:%Y-%m-%d}",
        starts_at_1=f"{starts:%H:%M:%S}",
        ends_at_0=f"{ends:%Y-%m-%d}",
        ends_at_1=f"{ends:%H:%M:%S}",
    )


def toronto_date(guest: User) -> tuple[Slot, Booking]:
    """A confirmed, announced booking on a date in Toronto at 10:00 to 11:30 EDT on Saturday,
    July 5, 2031; the guest reads in Berlin."""
    User.objects.filter(pk=guest.pk).update(time_zone="Europe/Berlin", preferred_language="en")
    guest.refresh_from_db()
    start = datetime(2031, 7, 5, 14, 0, tzinfo=UTC)
    slot = SlotFactory.create(starts_at=start, ends_at=start + timedelta(minutes=90))
    Listing.objects.filter(pk=slot.listing_id).update(time_zone="America/Toronto")
    booking = book(guest, slot, now=timezone.now())
    run_worker()
    return slot, booking


def test_a_date_staff_move_later_tells_its_guest_the_new_start_not_a_new_end(
    guest: User, staff_client: Client
) -> None:
    """Bug: staff moved the date from 10:00 to 13:00 (it still lasts an hour and a half); the
    guest read "now ends at … 2:30 p.m.", the wording of a longer duration, and nothing said
    that it now starts three hours later. Expected: the mail names the new start and end at
    the listing's time, and the date it was; the invite is the same event (UID) at the new
    time with a higher SEQUENCE."""
    slot, _booking = toronto_date(guest)
    [confirmation] = mails_to(guest, "booking_confirmed")

    move_in_admin(
        staff_client,
        slot,
        starts_at=slot.starts_at + timedelta(hours=3),
        ends_at=slot.ends_at + timedelta(hours=3),
    )
    run_worker()

    [mail] = mails_to(guest, "notification")
    body = " ".join(mail.body.split())
    assert "now starts at July 5, 2031, 1 p.m. EDT" in body
    assert "and ends at July 5, 2031, 2:30 p.m. EDT" in body
    assert "which was on July 5, 2031, 10 a.m. EDT" in body
    assert "now ends at" not in body
    assert mail.subject.startswith("New time: ")
    before, after = invite_of(confirmation), invite_of(mail)
    uid = next(line for line in before.splitlines() if line.startswith("UID:"))
    assert uid in after.splitlines()
    assert "DTSTART;TZID=America/Toronto:20310705T130000" in after
    assert "DTEND;TZID=America/Toronto:20310705T143000" in after
    sequence = [
        int(line.split(":")[1])
        for text in (before, after)
        for line in text.splitlines()
        if line.startswith("SEQUENCE:")
    ]
    assert sequence[1] > sequence[0]
    [notification] = Notification.objects.filter(user=guest, kind="booking.retimed")
    assert notification.data["was_starts_at"] == datetime(2031, 7, 5, 14, 0, tzinfo=UTC).isoformat()


def test_a_date_staff_shorten_tells_its_guest_the_new_end(
    guest: User, staff_client: Client
) -> None:
    """Only the end moved: the guest reads the new end, the start as it stays."""
    slot, _booking = toronto_date(guest)

    move_in_admin(
        staff_client, slot, starts_at=slot.starts_at, ends_at=slot.ends_at - timedelta(minutes=30)
    )
    run_worker()

    [mail] = mails_to(guest, "notification")
    body = " ".join(mail.body.split())
    assert "on July 5, 2031, 10 a.m. EDT" in body
    assert "now ends at July 5, 2031, 11 a.m. EDT" in body
    assert "now starts at" not in body
    assert "DTEND;TZID=America/Toronto:20310705T110000" in invite_of(mail)


# --- 3. "Booked" before "it is on" ------------------------------------------------------------


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink()
    server.start()
    emails._connections.discard()
    try:
        with server.as_backend():
            yield server
    finally:
        emails._connections.discard()
        server.stop()


def received_by(sink: SmtpSink, user: User) -> list[EmailMessage]:
    """What the SMTP server accepted for `user`, in the order it arrived."""
    with sink.recorder.lock:
        raw = list(sink.recorder.messages)
    parsed = [message_from_bytes(message, policy=policy.default) for message in raw]
    return [mail for mail in parsed if mail["To"] == user.email]


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return " ".join(str(part.get_content()).split())


def a_date_with_a_minimum(minimum: int) -> Slot:
    slot = SlotFactory.create(starts_at=timezone.now() + timedelta(days=10), capacity=10)
    Listing.objects.filter(pk=slot.listing_id).update(min_guests=minimum)
    return slot


# What a "Booked" mail says of a date that reached its minimum before its cut-off decided it
# (it said "Enough guests have booked: it will take place." until session 24:
# test_review_session24_minimum_lost.py).
ENOUGH_SO_FAR = (
    "Enough guests have booked so far: it takes place unless cancellations take it below its "
    "minimum by"
)


def test_the_guest_whose_booking_reaches_the_minimum_hears_booked_first(
    guest: User, other_guest: User, sink: SmtpSink
) -> None:
    """Bug: the confirmation that reaches the minimum wrote the "it is on" mail in its own
    transaction, while its "Booked" mail is written later by the worker: that guest's first
    mail said their date will take place, before the mail saying that they had booked it.
    Expected: that guest gets one mail, "Booked", which says that it will take place; the guest
    who booked before gets "Booked", then "it is on"."""
    slot = a_date_with_a_minimum(4)
    now = timezone.now()
    book(guest, slot, now=now)
    run_worker()
    book(other_guest, slot, now=now)
    run_worker()

    first = received_by(sink, guest)
    assert [mail["Subject"].split(":")[0] for mail in first] == ["Booked", "It is on"]
    reached = received_by(sink, other_guest)
    assert [mail["Subject"].split(":")[0] for mail in reached] == ["Booked"]
    [reaching] = reached
    assert reaching["Subject"].startswith("Booked: ")
    assert ENOUGH_SO_FAR in text_of(reaching)
    told = Notification.objects.filter(kind="slot.minimum_met")
    assert sorted(told.values_list("user", flat=True)) == sorted([guest.pk, other_guest.pk])


def test_guests_confirmed_before_the_worker_came_hear_booked_before_it_is_on(
    guest: User, other_guest: User, sink: SmtpSink
) -> None:
    """Both confirm before a busy worker announces either: neither may read "it is on" before
    their "Booked"; each reads it in their "Booked" mail, once."""
    slot = a_date_with_a_minimum(4)
    now = timezone.now()
    book(guest, slot, now=now)
    book(other_guest, slot, now=now)
    run_worker()

    for user in (guest, other_guest):
        received = received_by(sink, user)
        assert [mail["Subject"].split(":")[0] for mail in received] == ["Booked"]
        [mail] = received
        assert mail["Subject"].startswith("Booked: ")
        assert ENOUGH_SO_FAR in text_of(mail)


def test_a_booking_below_the_minimum_does_not_say_it_is_on(guest: User, sink: SmtpSink) -> None:
    slot = a_date_with_a_minimum(4)
    book(guest, slot, now=timezone.now())
    run_worker()

    [mail] = received_by(sink, guest)
    assert "it will take place" not in text_of(mail)
    assert "Enough guests have booked" not in text_of(mail)


# --- 2. Staff change a listing's duration or time zone -------------------------------------


def save_listing_in_admin(client: Client, listing: Listing, **changes: object) -> str:
    """Post the listing's admin change form as staff would, with `changes`; the page's text
    when it is shown again (a refusal), "" after a redirect (saved)."""
    url = reverse("admin:catalog_listing_change", args=[listing.pk])
    form = client.get(url).context["adminform"].form
    data: dict[str, object] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, list):
            value = ",".join(str(item) for item in value)
        if value is None or (name in form.Meta.fields and field.disabled):
            continue
        data[name] = value
    data.update(changes)
    response = client.post(url, data)
    if response.status_code == 302:
        return ""
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def a_booked_date(guest: User) -> tuple[Listing, Slot, Booking]:
    start = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    slot = SlotFactory.create(starts_at=start, ends_at=start + timedelta(minutes=90))
    booking = book(guest, slot, now=timezone.now())
    run_worker()
    return Listing.objects.get(pk=slot.listing_id), slot, booking


def test_a_duration_staff_change_moves_the_end_of_booked_dates_and_tells_their_guests(
    guest: User, staff_client: Client
) -> None:
    """Bug: a new duration set in the listing admin left every date ending at the old time
    (the host's own edit carries it over to the dates to come and tells their guests,
    scheduling.services.follow_listing_change). Expected: the same from the admin; a date that
    already started keeps its end."""
    listing, slot, booking = a_booked_date(guest)
    past = SlotFactory.create(
        listing=listing,
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() - timedelta(days=1) + timedelta(minutes=90),
    )

    assert save_listing_in_admin(staff_client, listing, duration_minutes=150) == ""
    run_worker()

    slot.refresh_from_db()
    assert slot.ends_at == slot.starts_at + timedelta(minutes=150)
    past_end = past.ends_at
    past.refresh_from_db()
    assert past.ends_at == past_end
    [mail] = mails_to(guest, "notification")
    assert "now ends at" in mail.body
    assert f"SEQUENCE:{booking.version + 1}" in invite_of(mail)  # the event moves


def test_a_zone_staff_change_that_would_move_a_booked_date_is_refused(
    guest: User, staff_client: Client
) -> None:
    """As for the host (docs/bookings.md: a new time zone that would move a booked date is
    refused): the form says why, and nothing changes."""
    listing, slot, _booking = a_booked_date(guest)
    starts_at, version = slot.starts_at, listing.version

    page = save_listing_in_admin(staff_client, listing, time_zone="Europe/Berlin")

    assert "Guests have booked" in page
    listing.refresh_from_db()
    slot.refresh_from_db()
    assert (listing.time_zone, listing.version) == ("America/Toronto", version)
    assert slot.starts_at == starts_at
    assert not OutboxMessage.objects.filter(kind="scheduling.slots.retimed").exists()


def test_a_zone_staff_change_keeps_unbooked_dates_at_their_local_time(
    staff_client: Client,
) -> None:
    """A date nobody booked keeps its wall-clock start in the new zone, as a host's edit does."""
    start = datetime(2031, 7, 5, 14, 0, tzinfo=UTC)  # 10:00 in Toronto
    slot = SlotFactory.create(starts_at=start, ends_at=start + timedelta(minutes=90))
    listing = Listing.objects.get(pk=slot.listing_id)

    assert save_listing_in_admin(staff_client, listing, time_zone="Europe/Berlin") == ""

    slot.refresh_from_db()
    assert slot.starts_at == datetime(2031, 7, 5, 8, 0, tzinfo=UTC)  # 10:00 in Berlin
