"""Websocket consumers. config/asgi.py puts them behind AllowedHostsOriginValidator and
origin.SameOriginValidator (a page of another origin cannot open them) and AuthMiddlewareStack
(the session's user).

The server pushes; a client only ever sends {"type": "ping"}. Anything else (not JSON or nested
too deep to parse, too large, unknown) is answered with an error frame and logged; the socket
stays open and no other socket is touched. A socket sends at most
WEBSOCKET_MAX_MESSAGES_PER_MINUTE messages in any minute; the next one is not read, and the
socket is closed with 1008.
"""

import json
import logging
from collections import deque
from importlib import import_module
from time import monotonic
from typing import Any

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db.models import BigIntegerField

from outings.catalog.models import Listing
from outings.notifications import live

logger = logging.getLogger(__name__)

# Close codes in the 4000-4999 range are ours: 4401 not signed in, 4404 no such listing.
NOT_AUTHENTICATED = 4401
NOT_FOUND = 4404
# RFC 6455's "policy violation": more messages than a page of ours sends.
FLOODED = 1008


class _LiveConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    group: str | None = None
    flooded = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # When the socket's latest messages came, as many as a minute allows.
        self.received: deque[float] = deque(maxlen=settings.WEBSOCKET_MAX_MESSAGES_PER_MINUTE)

    async def join(self, group: str) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def renew(self) -> bool:
        """Add this socket to its group again (a page pings every 25 s): memberships do not last
        as long as a socket may stay open. channels_redis drops one `group_expiry` (a day) after
        it was added and Redis forgets them all when it restarts without persistence; the
        PostgreSQL layer's cleaner deletes them a day old (tasks.clean_live_messages). A
        dashboard left open overnight, its pings answered, heard nothing more until reloaded.
        A layer that cannot be reached fails the ping and ends the socket: the page reconnects
        with backoff and fetches from the inbox what it missed (live.js). False when the socket
        may no longer listen and was closed."""
        if self.group is not None:
            await self.channel_layer.group_add(self.group, self.channel_name)
        return True

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.flooded or await self._flooding():
            return
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if text_data is None or size > settings.WEBSOCKET_MAX_MESSAGE_BYTES:
            await self.refuse("too_large" if size > settings.WEBSOCKET_MAX_MESSAGE_BYTES
                              else "not_text", size)  # fmt: skip
            return
        try:
            message = json.loads(text_data)
        except (ValueError, RecursionError):
            # RecursionError: arrays nested a thousand deep (`[[[[…`, within the size limit)
            # exhaust the parser's stack. Uncaught, it crashed the consumer (closed 1011, a
            # traceback logged) until session 23.
            await self.refuse("not_json", size)
            return
        if isinstance(message, dict) and message.get("type") == "ping":
            if await self.renew():
                await self.send(text_data=json.dumps({"type": "pong"}))
            return
        await self.refuse("unknown_message", size)

    async def _flooding(self) -> bool:
        """Whether this message is one more than a minute allows: then the socket leaves its
        group and is closed with 1008, logged once, and what else it sent is not read. Until
        session 24 every message was answered as it came: each ping a database read (the
        listing, the session) on asgiref's one thread that every socket of the server waits on,
        each malformed frame a warning in the log, as fast as a script could send them."""
        now = monotonic()
        full = len(self.received) == self.received.maxlen
        if not (full and now - self.received[0] < 60):
            self.received.append(now)
            return False
        self.flooded = True
        user = self.scope.get("user")
        logger.warning(
            "websocket %s: closed, more than %s client messages in a minute, from user %s",
            self.scope.get("path"), self.received.maxlen, getattr(user, "pk", None),
        )  # fmt: skip
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
        await self.close(code=FLOODED)
        return True

    async def refuse(self, code: str, size: int) -> None:
        user = self.scope.get("user")
        logger.warning(
            "websocket %s: refused a client message (%s, %s bytes) from user %s",
            self.scope.get("path"), code, size, getattr(user, "pk", None),
        )  # fmt: skip
        await self.send(text_data=json.dumps({"type": "error", "code": code}))

    async def live_event(self, message: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(message["event"]))


class NotificationConsumer(_LiveConsumer):
    """/ws/notifications/: the signed-in user's own events (their group is named by their id,
    which comes from the session, never from the client). Each event is sent, and each ping
    answered, only while the session that opened the socket still signs that user in (one
    session read per event or ping; a user's events are few, a page pings every 25 s): after a
    logout, a new password (the browser's session is a new one) or a deactivation the socket is
    closed with 4401 instead."""

    user_id: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=NOT_AUTHENTICATED)
            return
        self.user_id = user.pk
        await self.join(live.user_group(user.pk))

    async def live_event(self, message: dict[str, Any]) -> None:
        if await self._session_ended():
            return
        await super().live_event(message)

    async def renew(self) -> bool:
        """A ping: answered, and the socket back in its group, only while its session signs
        its user in. Until session 23 a socket whose session had ended was answered and kept in
        the group by its pings, for as long as its page stayed open, until an event came."""
        if await self._session_ended():
            return False
        return await super().renew()

    async def _session_ended(self) -> bool:
        """Whether the session that opened the socket no longer signs its user in, read afresh
        from its store (the scope's copy was loaded at connect): anonymous once it was logged
        out, flushed or its password hash changed. Then the socket leaves its group and is
        closed with 4401."""
        key = getattr(self.scope.get("session"), "session_key", None)
        store = import_module(settings.SESSION_ENGINE).SessionStore(key)
        user = await get_user({"session": store})
        if key and user.pk == self.user_id:
            return False
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
        await self.close(code=NOT_AUTHENTICATED)
        return True


def _listing_is_public(listing_id: int) -> bool:
    return Listing.objects.public().filter(pk=listing_id).exists()


async def _is_public_listing(listing_id: int) -> bool:
    return bool(await database_sync_to_async(_listing_is_public)(listing_id))


class ListingConsumer(_LiveConsumer):
    """/ws/listings/<id>/: seats-left updates of a published listing, for anyone viewing it.
    When the listing leaves the site (paused, archived, its host suspended), the catalogue sends
    a "gone" event and the socket is closed with 4404, as a new one would be refused; a socket
    that missed it (out of its group at that moment) is closed so at its next ping."""

    listing_id: int = 0

    async def live_event(self, message: dict[str, Any]) -> None:
        if message["event"].get("type") == "gone":
            await self.close(code=NOT_FOUND)
            return
        await super().live_event(message)

    async def connect(self) -> None:
        """In the group first, then the check: a listing that leaves the site after the check
        announces "gone" after its change commits, to a group the socket is in by then, and
        the socket is closed as the open ones are. Checked first (until session 20), one taken
        off between the check and the join announced it before the socket joined, which was
        accepted and stayed open on a listing no longer public."""
        listing_id = int(self.scope["url_route"]["kwargs"]["listing_id"])
        if listing_id > BigIntegerField.MAX_BIGINT:
            # No listing has it, and its group's name would be longer than a layer takes.
            await self.close(code=NOT_FOUND)
            return
        self.listing_id = listing_id
        if await self._still_public():
            await self.accept()

    async def renew(self) -> bool:
        """Back in the group, then the listing checked again, as at connect: a socket out of
        its group (expired, Redis restarted) when its listing left the site never heard "gone",
        and its ping put it back in the group of a listing no longer public, to hear its seat
        changes for as long as the page stayed open (until session 21). One indexed read a ping
        (every 25 s a page)."""
        return await self._still_public()

    async def _still_public(self) -> bool:
        """Join the group (again), then check the listing; not public: leave it and close 4404."""
        self.group = live.listing_group(self.listing_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        if await _is_public_listing(self.listing_id):
            return True
        await self.channel_layer.group_discard(self.group, self.channel_name)
        self.group = None
        await self.close(code=NOT_FOUND)
        return False


class NoSuchSocket(AsyncWebsocketConsumer):  # type: ignore[misc]
    """Any address no other consumer serves (config/routing.py's last route): refused before it
    is accepted, with 4404 as a listing that does not exist. Until session 24 Channels' router
    raised ValueError for it, which the ASGI server logged with a traceback and answered 500:
    `/ws/listings/abc/`, a mistyped address, whatever a scanner tried."""

    async def connect(self) -> None:
        await self.close(code=NOT_FOUND)
