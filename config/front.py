"""The embedded profile's single address: websockets to Channels, HTTP proxied to gunicorn.

In the services profile nginx does this split (deploy/nginx.conf); here asgiproxy does it so that
`make run` needs nothing installed. Production HTTP never passes through this module.
"""

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from asgiproxy.config import BaseURLProxyConfigMixin, Headerlike, ProxyConfig
from asgiproxy.context import ProxyContext
from asgiproxy.proxies.http import get_proxy_response, proxy_http
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import Scope

from config.asgi import application as channels_application
from outings.web.uploads import ORIGINAL_URI_HEADER, body_limit

# Headers of a refused request that the page asked for in its place does not carry: it has no
# body.
BODY_HEADERS = {b"content-length", b"content-type", b"transfer-encoding", b"expect"}
# How long the rest of a refused body is read (and dropped) after the answer, as nginx's
# lingering_time: closing with it unread resets the connection, and the browser shows that
# instead of the answer.
LINGER_SECONDS = 30.0

UPSTREAM = os.environ.get("OUTINGS_WSGI_UPSTREAM", "http://127.0.0.1:8001/")


class _Upstream(BaseURLProxyConfigMixin, ProxyConfig):
    upstream_base_url = UPSTREAM
    rewrite_host_header = None

    def process_client_headers(self, *, scope: Scope, headers: Headerlike) -> Headerlike:
        """The request's headers, with the address it came from appended to X-Forwarded-For,
        as deploy/nginx.conf's `$proxy_add_x_forwarded_for` does: gunicorn sees this process's
        address only, and the runner has it trust one more proxy than API_TRUSTED_PROXIES
        (outings.common.runner), so that each visitor is counted by their own address
        (outings.common.proxies.client_ip). Until session 24 every visitor was 127.0.0.1: one
        anonymous API budget, and one log-in limit, for everyone."""
        given = headers if isinstance(headers, Headers) else Headers(headers=headers)
        forwarded = forwarded_for(given, scope.get("client"))
        return super().process_client_headers(scope=scope, headers=forwarded)


def forwarded_for(headers: Headers, client: Sequence[Any] | None) -> MutableHeaders:
    """`headers` with `client`'s address (the ASGI scope's, None on a Unix socket) appended to
    the X-Forwarded-For they carry, its values given in several headers joined in one."""
    hops = [*headers.getlist("x-forwarded-for"), str(client[0]) if client else "unknown"]
    forwarded = headers.mutablecopy()
    del forwarded["x-forwarded-for"]
    forwarded.append("x-forwarded-for", ", ".join(hops))
    return forwarded


_context = ProxyContext(_Upstream())


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await channels_application(scope, receive, send)
    elif scope["type"] == "http":
        if _declared_length(scope) > body_limit(scope["path"]):
            await _refuse(scope, receive, send)
        else:
            await proxy_http(context=_context, scope=scope, receive=receive, send=send)
    elif scope["type"] == "lifespan":
        message = await receive()
        while message["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
        await _context.close()
        await send({"type": "lifespan.shutdown.complete"})


def _declared_length(scope: dict[str, Any]) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


async def _refuse(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A body over the path's limit (outings.web.uploads.body_limit), refused before any of it
    is read (asgiproxy reads a body of 512 KiB or more whole into memory before it sends it
    on): the answer is the app's GET /too-large/ for this path (the page, or the API's error),
    as nginx's error_page asks for it. Then what the client still sends is read and dropped for
    a while, so that it sees the answer rather than a reset connection."""
    original = scope["raw_path"] or scope["path"].encode()
    page = {
        **scope,
        "method": "GET",
        "path": "/too-large/",
        "raw_path": b"/too-large/",
        "query_string": b"",
        "headers": [
            *((name, value) for name, value in scope["headers"] if name not in BODY_HEADERS),
            (ORIGINAL_URI_HEADER.lower().encode(), original),
        ],
    }
    response = await get_proxy_response(context=_context, scope=page, receive=receive)
    body = await response.read()
    headers = [
        (name.lower().encode(), value.encode())
        for name, value in response.headers.items()
        if name.lower() not in ("content-length", "transfer-encoding", "connection")
    ]
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": [
                *headers,
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": True})
    try:
        async with asyncio.timeout(LINGER_SECONDS):
            while (await receive()).get("more_body", False):
                pass
    except TimeoutError:
        pass
    await send({"type": "http.response.body", "body": b"", "more_body": False})
