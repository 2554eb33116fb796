"""The bookings bench's data and the plan the load workers read (bench/bookings/fixture.py runs
`build` on an emptied bench database; import this module only once Django is set up).

`build` makes one published listing that books at once (groups of 1 to 4) by a bench host, 1,000
dates of 1,000 seats each (the holds spread over them and never fill one), RUSH_SLOTS dates of
RUSH_CAPACITY seats for the rushes, and API tokens for LOAD_GUESTS + RUSH_GUESTS guests. Then it
captures, in-process, the SQL of one `hold_seats` (the transaction the psycopg case replays) and
counts the statements of one HTTP hold and one HTTP confirm.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.utils import timezone

from bench.bookings.plan import BOOKINGS_PATH, Plan, mark
from outings.accounts.models import HostProfile, User
from outings.accounts.services import create_api_token
from outings.bookings import services
from outings.bookings.models import REFERENCE_ALPHABET, REFERENCE_LENGTH
from outings.catalog.models import Category, Listing
from outings.scheduling.models import Slot

SLOTS = 1_000
SLOT_CAPACITY = 1_000
RUSH_SLOTS = 30
RUSH_CAPACITY = 10
LOAD_GUESTS = 64
RUSH_GUESTS = 200

Captured = list[tuple[str, Any]]


@contextmanager
def capturing() -> Iterator[Captured]:
    """The statements sent on the default connection inside the block, with their parameters."""
    sent: Captured = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if many:
            raise RuntimeError("an executemany cannot be replayed")
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield sent


def _users(prefix: str, count: int) -> list[User]:
    password = make_password(None)  # unusable: nobody logs in as these
    User.objects.bulk_create(
        User(username=f"{prefix}{n}", email=f"{prefix}{n}@outings.localhost", password=password)
        for n in range(count)
    )
    return list(User.objects.filter(username__startswith=prefix).order_by("id"))


def _tokens(users: Sequence[User]) -> list[str]:
    return [create_api_token(user=user, name="bench").secret for user in users]


def build() -> Plan:
    now = timezone.now()
    host_user = User.objects.create(
        username="bench-host", email="bench-host@outings.localhost", password=make_password(None)
    )
    host = HostProfile.objects.create(user=host_user, display_name="Bench Host", is_demo=True)
    category = Category.objects.get_or_create(slug="tours")[0]
    listing = Listing.objects.create(
        host=host,
        category=category,
        status=Listing.Status.PUBLISHED,
        title="Harbour walk (bookings bench)",
        summary="A listing made by `make bench`, for measuring bookings.",
        description="Benchmark fixture.",
        languages=["en"],
        duration_minutes=90,
        price_amount=2500,
        currency="CAD",
        city="Toronto",
        country_code="CA",
        latitude=43.6426,
        longitude=-79.3871,
        time_zone="America/Toronto",
        max_group_size=4,
        instant_booking=True,
        source="bench",
        source_id="bookings",
        is_demo=True,
    )
    first = (now + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)

    def dates(count: int, capacity: int, offset: int) -> list[int]:
        made = Slot.objects.bulk_create(
            Slot(
                listing=listing,
                starts_at=first + timedelta(hours=offset + i),
                ends_at=first + timedelta(hours=offset + i, minutes=90),
                capacity=capacity,
            )
            for i in range(count)
        )
        return [slot.pk for slot in made]

    slot_ids = dates(SLOTS, SLOT_CAPACITY, 0)
    rush_slot_ids = dates(RUSH_SLOTS, RUSH_CAPACITY, SLOTS)
    capture_slot = dates(1, SLOT_CAPACITY, SLOTS + RUSH_SLOTS)[0]
    load_guests = _users("bench-guest-", LOAD_GUESTS)
    rush_guests = _users("bench-rush-", RUSH_GUESTS)
    tokens, rush_tokens = _tokens(load_guests), _tokens(rush_guests)

    # The transaction the psycopg case replays: what hold_seats sends, on a slot and for a guest
    # whose ids are unlike any other value in those statements (plan.mark checks it).
    capturer = _users("bench-capture-", 1)[0]
    # A first booking, so that the captured one's id is not 1 (the seats and the version are).
    services.hold_seats(guest=capturer, slot_id=capture_slot, seats=1, now=now)
    with capturing() as sent:
        booking = services.hold_seats(guest=capturer, slot_id=capture_slot, seats=1, now=now)
    hold_transaction = mark(
        sent, slot_id=capture_slot, reference=booking.reference, booking_id=booking.pk
    )

    # What the HTTP request sends in all, for the record.
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens[0]}"}
    with capturing() as hold_sent:
        response = client.post(
            BOOKINGS_PATH,
            data={"slot_id": capture_slot, "seats": 1},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            **auth,  # type: ignore[arg-type]
        )
    if response.status_code != 201:
        raise RuntimeError(f"POST {BOOKINGS_PATH} answered {response.status_code}")
    reference = response.json()["reference"]
    with capturing() as confirm_sent:
        # No body, as the load workers send it (the test client's post() sends an empty
        # multipart form, which a route without a body refuses with 415).
        response = client.generic("POST", f"{BOOKINGS_PATH}/{reference}/confirm", **auth)  # type: ignore[arg-type]
    if response.status_code != 200:
        raise RuntimeError(f"POST …/confirm answered {response.status_code}")

    return Plan(
        slot_ids=slot_ids,
        rush_slot_ids=rush_slot_ids,
        rush_capacity=RUSH_CAPACITY,
        tokens=tokens,
        rush_tokens=rush_tokens,
        reference_alphabet=REFERENCE_ALPHABET,
        reference_length=REFERENCE_LENGTH,
        hold_transaction=hold_transaction,
        statements_per_request={"hold": len(hold_sent), "confirm": len(confirm_sent)},
    )
