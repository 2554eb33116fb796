"""The websocket's Origin check beyond Channels' AllowedHostsOriginValidator, which compares the
Origin's host name with ALLOWED_HOSTS only: any port (and scheme) of an allowed host passed. A
page on another port of the same host (another service, a development server) is sent the
site's session cookie too (cookies are not kept apart by port, and SameSite sees one site), so
it could open a user's notifications socket and read their notices.

The check is Django's for a form's POST (CsrfViewMiddleware), but for the scheme, which a
websocket behind a TLS-terminating proxy does not reliably know: the Origin's host and port
must be those the browser connected to (its Host header), or the origin one of
CSRF_TRUSTED_ORIGINS (a wildcard entry, `https://*.example.org`, read as Django reads it). A
request without Origin or Host is no browser's; the outer validator decides it as before."""

from typing import Any
from urllib.parse import SplitResult, urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.utils.http import is_same_domain


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin1")
    return ""


def same_origin(origin: str, host: str) -> bool:
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return bool(parts.netloc) and (parts.netloc.lower() == host.lower() or _trusted(origin, parts))


def _trusted(origin: str, parts: SplitResult) -> bool:
    """One of CSRF_TRUSTED_ORIGINS, read as Django's CsrfViewMiddleware reads them: the origin
    itself, or a subdomain of an entry with a wildcard (`https://*.example.org`), of its
    scheme (its port too, when the entry names one)."""
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "*" not in trusted:
            if origin.lower() == trusted.lower():
                return True
            continue
        entry = urlsplit(trusted)
        if entry.scheme == parts.scheme and is_same_domain(parts.netloc, entry.netloc.lstrip("*")):
            return True
    return False


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
