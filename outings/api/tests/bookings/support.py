"""What the bookings API tests share: requests as a persona, and the state a refused request
must leave as it was."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from django.db.models import Sum
from django.test import Client

from outings.accounts.models import User
from outings.bookings.models import Booking, BookingEvent, Transfer, WaitlistEntry
from outings.common.models import OutboxMessage
from outings.notifications import emails
from outings.scheduling.models import Slot

JSON = "application/json"


def client_of(user: User, token_for: Callable[[User], str]) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_for(user)}"})


_keys = iter(range(10**6))


def book(client: Client, slot: Slot, seats: int = 2, key: str | None = None) -> Any:
    return client.post(
        "/api/v1/bookings",
        {"slot_id": slot.pk, "seats": seats},
        content_type=JSON,
        headers={"Idempotency-Key": key or f"key-{next(_keys)}"},
    )


def booked(client: Client, slot: Slot, seats: int = 2) -> str:
    response = book(client, slot, seats)
    assert response.status_code == 201, response.content
    return str(response.json()["reference"])


def confirmed(client: Client, slot: Slot, seats: int = 2) -> str:
    reference = booked(client, slot, seats)
    assert client.generic("POST", f"/api/v1/bookings/{reference}/confirm").status_code == 200
    return reference


def post(
    client: Client,
    path: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    return client.post(f"/api/v1{path}", body or {}, content_type=JSON, headers=headers or {})


def state() -> dict[str, Any]:
    """Everything a refused request must leave as it was."""
    return {
        "seats_taken": dict(Slot.objects.values_list("pk", "seats_taken")),
        "slot_status": dict(Slot.objects.values_list("pk", "status")),
        "bookings": dict(Booking.objects.values_list("reference", "status")),
        "guests": dict(Booking.objects.values_list("reference", "guest_id")),
        "events": BookingEvent.objects.count(),
        "transfers": list(Transfer.objects.values_list("pk", "status")),
        "waitlist": list(WaitlistEntry.objects.values_list("pk", "status")),
        "outbox": OutboxMessage.objects.count(),
    }


def seats_consistent(slot: Slot) -> bool:
    slot.refresh_from_db()
    active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE)
    return slot.seats_taken == (active.aggregate(n=Sum("seats"))["n"] or 0)


def transfer_secret() -> str:
    message = OutboxMessage.objects.filter(kind=emails.KIND).order_by("-id").first()
    assert message is not None
    assert message.payload["template"] == "booking_transfer"
    path = urlparse(str(message.payload["context"]["accept_url"])).path
    return path.rstrip("/").rsplit("/", 1)[-1]
