"""The host's side of bookings: a date's roster and its CSV (formula injection neutralised),
cancelling a date, accepting, declining and cancelling bookings, the dashboard's latest bookings
and its live refresh, and the booking settings on the listing form."""

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile
from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.hosting.views.bookings import spreadsheet_safe
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


def booked(slot: Slot, seats: int = 2, **guest: Any) -> Booking:
    user = UserFactory.create(**guest)
    now = timezone.now()
    booking = services.hold_seats(guest=user, slot_id=slot.pk, seats=seats, now=now)
    if booking.status == Booking.Status.HELD:
        booking = services.confirm_booking(guest=user, reference=booking.reference, now=now)
    return booking


def text(response: Any) -> str:
    return str(response.content.decode())


# --- Roster ----------------------------------------------------------------------------------


def test_the_roster_lists_who_comes(host_client: Client, slot: Slot) -> None:
    ada = booked(slot, 2, first_name="Ada", last_name="Byron", email="ada@example.org")
    booked(slot, 3, first_name="Grace", last_name="Hopper")

    response = host_client.get(f"/host/slots/{slot.pk}/roster/")

    page = text(response)
    assert response.status_code == 200
    assert "Ada Byron" in page
    assert "ada@example.org" in page
    assert ada.reference in page
    assert "Grace Hopper" in page
    assert "5 confirmed, 0 held or requested, 10 places." in page
    assert f'href="/host/slots/{slot.pk}/roster.csv"' in page


def test_another_hosts_roster_and_bookings_are_not_found(client: Client, slot: Slot) -> None:
    booking = booked(slot)
    client.force_login(HostProfileFactory.create().user)

    assert client.get(f"/host/slots/{slot.pk}/roster/").status_code == 404
    assert client.get(f"/host/slots/{slot.pk}/roster.csv").status_code == 404
    assert client.get(f"/host/bookings/{booking.reference}/").status_code == 404
    cancel = client.post(
        f"/host/bookings/{booking.reference}/", {"action": "cancel", "cancel-reason": "x"}
    )
    assert cancel.status_code == 404
    assert client.post(f"/host/slots/{slot.pk}/roster/", {"reason": "x"}).status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    slot.refresh_from_db()
    assert slot.status == Slot.Status.OPEN


def test_a_guest_who_is_no_host_is_sent_to_become_one(client: Client, slot: Slot) -> None:
    client.force_login(UserFactory.create())

    assert client.get(f"/host/slots/{slot.pk}/roster/")["Location"] == "/host/become/"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Ada", "Ada"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_spreadsheet_cells_never_start_a_formula(value: str, cell: str) -> None:
    assert spreadsheet_safe(value) == cell


def test_the_roster_csv_neutralises_formulas_in_every_cell(host_client: Client, slot: Slot) -> None:
    booked(slot, 2, first_name="=cmd|' /C calc'!A0", last_name="", email="x@example.org")
    booked(slot, 1, first_name="@SUM(1+1)", last_name="", username="+plus")
    booked(slot, 1, first_name="Zoë", last_name="Müller")

    response = host_client.get(f"/host/slots/{slot.pk}/roster.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="roster-')
    body = response.getvalue().decode("utf-8")  # streamed: read to its end
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0] == [
        "Reference",
        "Guest",
        "Email",
        "Guests",
        "Status",
        "Booked at (America/Toronto time)",
        "Price",
    ]
    names = [row[1] for row in rows[1:]]
    assert names == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)", "Zoë Müller"]
    for row in rows[1:]:
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row), row
    assert rows[1][3:5] == ["2", "Confirmed"]
    assert rows[1][6] == "CA$50.00"


def test_the_host_cancels_a_date_with_a_reason(host_client: Client, slot: Slot) -> None:
    booking = booked(slot)

    missing = host_client.post(f"/host/slots/{slot.pk}/roster/", {"reason": ""})
    assert missing.status_code == 400
    slot.refresh_from_db()
    assert slot.status == Slot.Status.OPEN

    response = host_client.post(
        f"/host/slots/{slot.pk}/roster/", {"reason": "Storm warning", "version": "1"}
    )

    assert response.status_code == 302
    slot.refresh_from_db()
    booking.refresh_from_db()
    assert (slot.status, slot.seats_taken) == (Slot.Status.CANCELLED, 0)
    assert (booking.status, booking.cancelled_by) == (Booking.Status.CANCELLED, "host")
    assert (booking.cancel_reason, booking.refund_due) == ("Storm warning", 5000)
    page = text(host_client.get(response["Location"]))
    assert "The date is cancelled; every guest has been told." in page

    again = host_client.post(f"/host/slots/{slot.pk}/roster/", {"reason": "again", "version": "1"})
    assert again.status_code == 409
    assert "This date is already cancelled." in text(again)


def test_a_cancelled_dates_roster_lists_the_cancelled_bookings_and_what_each_is_due(
    host_client: Client, slot: Slot
) -> None:
    confirmed = booked(slot, 2, first_name="Ada", last_name="Byron")
    held = services.hold_seats(
        guest=UserFactory.create(first_name="Bo", last_name="Held"),
        slot_id=slot.pk,
        seats=1,
        now=timezone.now(),
    )
    host_client.post(f"/host/slots/{slot.pk}/roster/", {"reason": "Storm warning", "version": "1"})

    page = text(host_client.get(f"/host/slots/{slot.pk}/roster/"))
    csv_file = host_client.get(f"/host/slots/{slot.pk}/roster.csv")
    body = csv_file.getvalue().decode()  # streamed: read to its end
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))

    assert "This date is cancelled. Its cancelled bookings are below" in page
    assert "0 confirmed" not in page
    assert confirmed.reference in page
    assert held.reference in page
    assert "CA$50.00" in page
    assert rows[0][-2:] == ["Cancelled by", "Refund due"]
    assert [(row[0], row[4], row[-2], row[-1]) for row in rows[1:]] == [
        (confirmed.reference, "Cancelled", "the host", "CA$50.00"),
        (held.reference, "Cancelled", "the host", ""),
    ]


def test_a_cancelled_date_nobody_had_booked_says_so(host_client: Client, slot: Slot) -> None:
    host_client.post(f"/host/slots/{slot.pk}/roster/", {"reason": "Storm warning", "version": "1"})

    page = text(host_client.get(f"/host/slots/{slot.pk}/roster/"))

    assert "Nobody was booked on this date when it was cancelled." in page
    assert "Nobody has booked this date yet." not in page


# --- One booking: accept, decline, cancel ----------------------------------------------------


@pytest.fixture
def request_to_book(listing: Listing, slot: Slot) -> Booking:
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    return booked(slot, 2, first_name="Ada", last_name="Byron")


def test_the_host_accepts_a_request(host_client: Client, request_to_book: Booking) -> None:
    page = text(host_client.get(f"/host/bookings/{request_to_book.reference}/"))
    assert "Accept or decline" in page

    response = host_client.post(
        f"/host/bookings/{request_to_book.reference}/", {"action": "accept"}
    )

    request_to_book.refresh_from_db()
    assert response.status_code == 302
    assert request_to_book.status == Booking.Status.CONFIRMED
    again = host_client.post(f"/host/bookings/{request_to_book.reference}/", {"action": "accept"})
    assert again.status_code == 409
    assert "This booking is already confirmed." in text(again)


def test_the_host_declines_a_request_with_a_reason(
    host_client: Client, request_to_book: Booking, slot: Slot
) -> None:
    response = host_client.post(
        f"/host/bookings/{request_to_book.reference}/",
        {"action": "decline", "decline-reason": "Fully booked privately"},
    )

    request_to_book.refresh_from_db()
    slot.refresh_from_db()
    assert response.status_code == 302
    assert request_to_book.status == Booking.Status.DECLINED
    assert request_to_book.cancel_reason == "Fully booked privately"
    assert slot.seats_taken == 0


def test_the_host_cancels_a_booking_with_a_reason_and_the_guest_is_refunded_in_full(
    host_client: Client, slot: Slot
) -> None:
    booking = booked(slot, 2)
    url = f"/host/bookings/{booking.reference}/"

    missing = host_client.post(url, {"action": "cancel", "cancel-reason": ""})
    assert missing.status_code == 400
    assert "This field is required." in text(missing)

    response = host_client.post(url, {"action": "cancel", "cancel-reason": "I am ill"})

    booking.refresh_from_db()
    assert response.status_code == 302
    assert (booking.status, booking.cancelled_by, booking.refund_due) == ("cancelled", "host", 5000)
    again = host_client.post(url, {"action": "cancel", "cancel-reason": "again"})
    assert again.status_code == 409
    assert "This booking is already cancelled." in text(again)


def test_a_requests_answer_by_time_names_its_zone_for_host_and_guest(
    client: Client, host_client: Client, request_to_book: Booking
) -> None:
    """No `tz` cookie and no zone of their own: both read the deadline in UTC, and are told so."""
    host_page = text(host_client.get(f"/host/bookings/{request_to_book.reference}/"))
    client.force_login(request_to_book.guest)
    guest_page = text(client.get(f"/bookings/{request_to_book.reference}/"))

    assert re.search(r"Answer by [^;<]* UTC;", host_page)
    assert re.search(r"The host answers your request by [^<]* UTC\.", guest_page)


def test_the_host_is_told_a_refund_is_due_only_when_one_was_recorded(
    host_client: Client, slot: Slot
) -> None:
    confirmed = booked(slot, 2)
    held = services.hold_seats(
        guest=UserFactory.create(), slot_id=slot.pk, seats=1, now=timezone.now()
    )
    before = text(host_client.get(f"/host/bookings/{held.reference}/"))

    paid = host_client.post(
        f"/host/bookings/{confirmed.reference}/",
        {"action": "cancel", "cancel-reason": "I am ill"},
        follow=True,
    )
    unpaid = host_client.post(
        f"/host/bookings/{held.reference}/",
        {"action": "cancel", "cancel-reason": "I am ill"},
        follow=True,
    )

    assert "nothing was paid, so nothing is due" in before
    assert "Cancelled: the guest has been told and is due a full refund." in text(paid)
    assert "Cancelled: the guest has been told. Nothing was paid, so nothing is due." in text(
        unpaid
    )


def test_an_unknown_action_changes_nothing(host_client: Client, slot: Slot) -> None:
    booking = booked(slot)

    response = host_client.post(f"/host/bookings/{booking.reference}/", {"action": "delete"})

    assert response.status_code == 400
    assert "Choose what to do with the booking." in text(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


# --- Dashboard -------------------------------------------------------------------------------


def test_the_dashboard_shows_the_latest_bookings_and_listens_for_new_ones(
    host_client: Client, host: HostProfile, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        slot = SlotFactory.create(listing=ListingFactory.create(host=host))
        for _ in range(4):
            booked(slot, 1, first_name="Guest")
    Listing.objects.filter(host=host).update(instant_booking=False)
    requested = booked(SlotFactory.create(listing=Listing.objects.filter(host=host).first()), 1)

    with django_assert_max_num_queries(9):
        response = host_client.get("/host/")

    page = text(response)
    assert "Latest bookings" in page
    assert f'href="/host/bookings/{requested.reference}/"><strong>Accept or decline' in page
    assert 'hx-trigger="outings:booking from:document"' in page
    assert 'hx-select="#host-board"' in page
    assert "vendor/htmx.min.js" in page
    assert len(re.findall(r'href="/host/bookings/[A-Z0-9]{10}/"', page)) >= 13


@pytest.mark.parametrize(
    ("booking", "change"),
    [
        ("ABCDEFGHJK%00", "confirmed"),  # a NUL never reaches PostgreSQL
        ("", "confirmed"),
        ("{ours}", "refunded"),  # no such change
        ("{theirs}", "confirmed"),  # another host's booking
    ],
)
def test_a_live_refresh_names_only_the_hosts_own_booking_and_a_known_change(
    host_client: Client, host: HostProfile, slot: Slot, booking: str, change: str
) -> None:
    ours = booked(slot).reference
    theirs = booked(SlotFactory.create()).reference
    query = f"booking={booking.format(ours=ours, theirs=theirs)}&change={change}"

    for path in ("/host/", f"/host/slots/{slot.pk}/roster/"):
        response = host_client.get(f"{path}?{query}")

        assert response.status_code == 200
        assert re.search(r'<p id="board-news"[^>]*></p>', text(response))


def test_a_live_refresh_of_the_roster_says_what_changed(host_client: Client, slot: Slot) -> None:
    booking = booked(slot, 3)
    services.cancel_booking(guest=booking.guest, reference=booking.reference, now=timezone.now())

    page = text(host_client.get(f"/host/slots/{slot.pk}/roster/?booking={booking.reference}"
                                "&change=cancelled"))  # fmt: skip

    assert f"Booking cancelled for “{slot.listing.title}”: 3 guests, " in page


def test_the_live_client_turns_booking_events_into_a_document_event() -> None:
    from pathlib import Path

    import outings.notifications

    script = Path(outings.notifications.__file__).parent / "static/notifications/live.js"
    source = script.read_text()
    assert 'event.type === "booking"' in source
    assert 'new CustomEvent("outings:booking"' in source


# --- The listing form's booking settings -----------------------------------------------------


LISTING_FORM = {
    "title": "Harbour walk",
    "category": "tours",
    "summary": "A walk along the harbour.",
    "description": "We walk slowly.",
    "tags": "harbour",
    "languages": "en",
    "duration_minutes": "90",
    "price": "25.00",
    "currency": "EUR",
    "min_group_size": "1",
    "max_group_size": "8",
    "address": "Am Kupfergraben 1",
    "city": "Berlin",
    "country_code": "de",
    "latitude": "52.52",
    "longitude": "13.395",
    "meeting_point": "",
    "cancellation_policy": "flexible",
    "included": "",
    "requirements": "",
}


def test_the_listing_form_sets_how_guests_book_and_the_minimum(
    host_client: Client, host: HostProfile
) -> None:
    page = text(host_client.get("/host/listings/new/"))
    assert 'name="instant_booking"' in page
    assert 'name="min_guests"' in page
    assert 'name="min_guests_cutoff_hours"' in page

    response = host_client.post(
        "/host/listings/new/",
        {
            **LISTING_FORM,
            "instant_booking": "False",
            "min_guests": "4",
            "min_guests_cutoff_hours": "72",
        },
    )

    assert response.status_code == 302
    listing = Listing.objects.get(host=host)
    assert (listing.instant_booking, listing.min_guests, listing.min_guests_cutoff_hours) == (
        False,
        4,
        72,
    )
    edit = text(host_client.get(f"/host/listings/{listing.pk}/"))
    assert re.search(r'value="False"[^>]*checked', edit)
    assert 'name="min_guests" value="4"' in edit


def test_a_form_without_the_booking_settings_leaves_them_as_they_are(
    host_client: Client, host: HostProfile
) -> None:
    listing = ListingFactory.create(
        host=host, instant_booking=False, min_guests=3, min_guests_cutoff_hours=24
    )
    form = {**LISTING_FORM, "version": str(listing.version)}

    response = host_client.post(f"/host/listings/{listing.pk}/", form)

    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.instant_booking, listing.min_guests, listing.min_guests_cutoff_hours) == (
        False,
        3,
        24,
    )


def test_bad_booking_settings_are_shown_on_their_fields(
    host_client: Client, host: HostProfile
) -> None:
    response = host_client.post(
        "/host/listings/new/",
        {**LISTING_FORM, "min_guests": "-1", "min_guests_cutoff_hours": "0"},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["min_guests"]
    assert form.errors["min_guests_cutoff_hours"]
    assert not Listing.objects.filter(host=host).exists()
