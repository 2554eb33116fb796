"""Review (session 24): the admin's two cancelling actions on the German admin. For each booking
(Bookings → Bookings, "Cancel, refunding in full") or date (Scheduling → Slots, "Cancel,
refunding every guest in full") refused, staff are told the service's reason. The actions
showed the error's message as it came; the explore page did so with a search's and was English
on the German page (30a5fed). Here every refusal the services give these actions is translated
where it is raised (gettext), so these tests passed before the actions looked the message up
too: they pin the German down, the lookup covers an error raised with its class's English
default (gettext_noop), as the API's error body and the explore page do."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.tests.test_review_session14 import book, staff_client
from outings.scheduling.models import Slot

__all__ = ["staff_client"]  # fixture

pytestmark = pytest.mark.django_db


def _run(client: Client, changelist: str, action: str, *ids: int) -> list[str]:
    """Staff tick the rows and run the action on the German admin; the messages shown."""
    client.cookies["django_language"] = "de"
    with translation.override("de"):
        response = client.post(
            reverse(changelist), {"action": action, "_selected_action": list(ids)}, follow=True
        )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def test_a_refused_booking_is_said_in_german(
    guest: User, other_guest: User, staff_client: Client, slot: Slot
) -> None:
    over = book(guest, slot, seats=2, now=timezone.now())
    services.cancel_booking(guest=guest, reference=over.reference, now=timezone.now())
    live = book(other_guest, slot, seats=1, now=timezone.now())

    said = _run(
        staff_client,
        "admin:bookings_booking_changelist",
        "cancel_with_full_refund",
        over.pk,
        live.pk,
    )

    assert said == [
        f"{over.reference}: Diese Buchung ist bereits abgesagt.",
        "1 Buchung storniert.",
    ]


def test_refused_dates_are_said_in_german(staff_client: Client, slot: Slot) -> None:
    Slot.objects.filter(pk=slot.pk).update(status=Slot.Status.CANCELLED)
    begun = timezone.now().replace(microsecond=0) - timedelta(minutes=30)
    started = Slot.objects.create(
        listing=slot.listing, starts_at=begun, ends_at=begun + timedelta(hours=2), capacity=4
    )

    said = _run(
        staff_client, "admin:scheduling_slot_changelist", "cancel_dates", slot.pk, started.pk
    )

    assert said == [
        f"{slot}: Dieser Termin ist schon abgesagt.",
        f"{started}: Dieser Termin hat schon begonnen.",
        "0 Termine abgesagt.",
    ]
