"""Live events over websockets: who listens where, and publishing after commit.

Live delivery is best effort by design: the inbox (and the database behind a listing page) is
the record, and a client that reconnects fetches what it missed. So a publish never raises into
the code that caused it, and it only happens after that code's transaction committed: a browser
never hears of something that was rolled back.
"""

import asyncio
import logging
import os
import threading
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

EVENT_HANDLER = "live.event"  # consumers handle it in `live_event`


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def listing_group(listing_id: int) -> str:
    return f"listing.{listing_id}"


def publish(group: str, event: dict[str, Any]) -> None:
    """Send `event` to every socket in `group`, without waiting for the channel layer: the event
    is handed to this process's publisher thread. Prefer `publish_on_commit`."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": EVENT_HANDLER, "event": event}
    if isinstance(layer, InMemoryChannelLayer):
        # Process-local queues bound to the caller's loop (tests, single-process runs): send in
        # place; it costs nothing.
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:
            logger.exception("live: could not publish %s to %s", event.get("type"), group)
        return
    _publisher.submit(layer, group, message)


class _Publisher:
    """One event loop per process, in a daemon thread, that sends events to the channel layer in
    the order they were published.

    Sending from the request thread (async_to_sync per event) started an event loop and reached
    Redis on every call: about 9 ms of a 35 ms booking request (cProfile, docs/benchmarks.md). A
    long-lived loop keeps the layer's connections open and the request only enqueues. Events
    still queued when a process dies are lost, which live delivery accepts: the inbox and the
    database are the record. The queue is bounded so that a channel layer that is down cannot
    grow it without limit; beyond MAX_PENDING events are dropped with a warning."""

    MAX_PENDING = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[tuple[Any, str, dict[str, Any]]] | None = None

    def submit(self, layer: Any, group: str, message: dict[str, Any]) -> None:
        loop, queue = self._started()
        loop.call_soon_threadsafe(self._put, queue, (layer, group, message))

    @staticmethod
    def _put(queue: "asyncio.Queue[tuple[Any, str, dict[str, Any]]]", item: Any) -> None:
        try:
            queue.put_nowait(item)
        except asyncio.QueueFull:
            logger.warning("live: %s events pending, dropping one for %s", queue.qsize(), item[1])

    def _started(
        self,
    ) -> tuple[asyncio.AbstractEventLoop, "asyncio.Queue[tuple[Any, str, dict[str, Any]]]"]:
        with self._lock:
            # A forked worker (gunicorn, Celery prefork) inherits no running thread: start anew.
            if self._loop is None or self._queue is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                queue: asyncio.Queue[tuple[Any, str, dict[str, Any]]] = asyncio.Queue(
                    self.MAX_PENDING
                )
                thread = threading.Thread(
                    target=self._run, args=(loop, queue), name="live-publisher", daemon=True
                )
                thread.start()
                self._loop, self._queue, self._pid = loop, queue, os.getpid()
            return self._loop, self._queue

    @staticmethod
    def _run(
        loop: asyncio.AbstractEventLoop, queue: "asyncio.Queue[tuple[Any, str, dict[str, Any]]]"
    ) -> None:
        asyncio.set_event_loop(loop)

        async def send_forever() -> None:
            while True:
                layer, group, message = await queue.get()
                try:
                    await layer.group_send(group, message)
                except Exception:
                    logger.exception(
                        "live: could not publish %s to %s", message["event"].get("type"), group
                    )

        loop.run_until_complete(send_forever())


_publisher = _Publisher()


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    """Publish once the current transaction commits (at once outside a transaction). A failure
    is logged and never reaches the caller (robust), whose change committed."""
    transaction.on_commit(partial(publish, group, event), robust=True)


def publish_seats_left(*, listing_id: int, slot_id: int, seats_left: int, change: int) -> None:
    """For the bookings services: call in the transaction that changed the slot's seats; open
    listing pages update their seats-left numbers after commit. `change` numbers the slot's
    changes in the order they committed: a page ignores an event older than one it applied."""
    publish_on_commit(
        listing_group(listing_id),
        {
            "type": "seats",
            "listing": listing_id,
            "slot": slot_id,
            "seats_left": seats_left,
            "change": change,
        },
    )


def publish_listing_gone(listing_id: int) -> None:
    """For the catalogue: call in the transaction that takes a listing off the site (paused,
    archived, its host suspended). Its open sockets are closed with 4404 after commit, as a new
    one would be refused: nobody keeps reading the seats of a listing that is not public."""
    publish_on_commit(listing_group(listing_id), {"type": "gone", "listing": listing_id})
