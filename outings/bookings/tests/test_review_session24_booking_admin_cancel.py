"""Review (session 24): staff cancelling bookings from the admin's list of bookings ("Cancel,
refunding in full") left no entry in the admin's history: Django's own actions (a delete)
record one per object, and the dates' action (Scheduling → Slots, "Cancel, refunding every
guest in full") records one per date it cancelled, but a booking cancelled here showed "This
object doesn't have a change history". Each booking the action cancels now has its entry, with
the staff member's name; one it refuses (already over) has none, and the others go ahead."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.bookings.tests.test_review_session14 import book, staff_client
from outings.scheduling.models import Slot

__all__ = ["staff_client"]  # fixture

pytestmark = pytest.mark.django_db


def _cancel_in_admin(client: Client, *bookings: Booking) -> list[str]:
    """Staff tick the bookings on the list and run "Cancel, refunding in full"; the messages
    the list then shows."""
    response = client.post(
        reverse("admin:bookings_booking_changelist"),
        {"action": "cancel_with_full_refund", "_selected_action": [b.pk for b in bookings]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def _history() -> list[tuple[str | None, int, str]]:
    kind = ContentType.objects.get_for_model(Booking)
    return list(
        LogEntry.objects.filter(content_type=kind)
        .order_by("object_id")
        .values_list("object_id", "action_flag", "change_message")
    )


def test_each_booking_staff_cancel_from_the_list_is_in_its_history(
    guest: User, other_guest: User, staff_client: Client, slot: Slot
) -> None:
    """Bug: the two bookings were cancelled and neither had an entry."""
    first = book(guest, slot, seats=2, now=timezone.now())
    second = book(other_guest, slot, seats=1, now=timezone.now())

    said = _cancel_in_admin(staff_client, first, second)

    assert said == ["2 bookings cancelled."]
    assert _history() == sorted(
        [
            (str(first.pk), CHANGE, "Cancelled, refunded in full."),
            (str(second.pk), CHANGE, "Cancelled, refunded in full."),
        ]
    )
    staff = User.objects.get(is_staff=True)
    assert set(LogEntry.objects.values_list("user_id", flat=True)) == {staff.pk}
    for booking in (first, second):
        booking.refresh_from_db()
        assert (booking.status, booking.cancelled_by, booking.refund_due) == (
            Booking.Status.CANCELLED,
            Booking.Party.STAFF,
            booking.total_price,
        )


def test_a_booking_the_action_refuses_has_no_entry_and_the_others_go_ahead(
    guest: User, other_guest: User, staff_client: Client, slot: Slot
) -> None:
    """The control: a booking its guest already cancelled is refused with a message, nothing
    recorded for it; the other one is cancelled and recorded."""
    over = book(guest, slot, seats=2, now=timezone.now())
    services.cancel_booking(guest=guest, reference=over.reference, now=timezone.now())
    live = book(other_guest, slot, seats=1, now=timezone.now())

    said = _cancel_in_admin(staff_client, over, live)

    assert said == [
        f"{over.reference}: This booking is already cancelled.",
        "1 booking cancelled.",
    ]
    assert _history() == [(str(live.pk), CHANGE, "Cancelled, refunded in full.")]
    over.refresh_from_db()
    assert over.cancelled_by == Booking.Party.GUEST
