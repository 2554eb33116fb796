"""Live events over websockets: who listens where, and publishing after commit.

Live delivery is best effort by design: the inbox (and the database behind a listing page) is
the record, and a client that reconnects fetches what it missed. So a publish never raises into
the code that caused it, and it only happens after that code's transaction committed: a browser
never hears of something that was rolled back.
"""

import logging
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

EVENT_HANDLER = "live.event"  # consumers handle it in `live_event`


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def listing_group(listing_id: int) -> str:
    return f"listing.{listing_id}"


def publish(group: str, event: dict[str, Any]) -> None:
    """Send `event` to every socket in `group` now. Prefer `publish_on_commit`."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": EVENT_HANDLER, "event": event})
    except Exception:
        logger.exception("live: could not publish %s to %s", event.get("type"), group)


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    """Publish once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(publish, group, event))


def publish_seats_left(*, listing_id: int, slot_id: int, seats_left: int) -> None:
    """For the bookings services: call in the transaction that changed the slot's seats; open
    listing pages update their seats-left numbers after commit."""
    publish_on_commit(
        listing_group(listing_id),
        {"type": "seats", "listing": listing_id, "slot": slot_id, "seats_left": seats_left},
    )
