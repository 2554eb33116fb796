"""The websocket's Origin check beyond Channels' AllowedHostsOriginValidator, which compares the
Origin's host name with ALLOWED_HOSTS only: any port (and scheme) of an allowed host passed. A
page on another port of the same host (another service, a development server) is sent the
site's session cookie too (cookies are not kept apart by port, and SameSite sees one site), so
it could open a user's notifications socket and read their notices.

The check is Django's for a form's POST (CsrfViewMiddleware), but for the scheme, which a
websocket behind a TLS-terminating proxy does not reliably know: the Origin's host and port
must be those the browser connected to (its Host header), or the origin one of
CSRF_TRUSTED_ORIGINS. A request without Origin or Host is no browser's; the outer validator
decides it as before."""

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin1")
    return ""


def same_origin(origin: str, host: str) -> bool:
    if origin.lower() in (trusted.lower() for trusted in settings.CSRF_TRUSTED_ORIGINS):
        return True
    try:
        netloc = urlsplit(origin).netloc
    except ValueError:
        return False
    return bool(netloc) and netloc.lower() == host.lower()


class SameOriginValidator:
    """ASGI middleware for websocket routes: refuses the handshake (403) of a page of another
    origin than the host it connects to."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        origin, host = _header(scope, b"origin"), _header(scope, b"host")
        if origin and host and not same_origin(origin, host):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
