"""A request id on every log line written while a request is served, and on its response.

The load balancer's id (X-Request-ID: nginx's `$request_id`, deploy/nginx.conf) is kept when it
looks like one, so that its access log line and ours name the same request; anything else (a
client's text, too long, spaces, control characters) is replaced by a new random id, since a
header is the client's to write and ends up in every log line.

Written here rather than taken from django-guid: it replaces the CORS middleware's
Access-Control-Expose-Headers with its own header, logs a line at INFO for every request, and
keeps any incoming value that `uuid.UUID` can read (braces, `urn:uuid:`, surrounding spaces)
while refusing the ids of load balancers that are not UUIDs (AWS's `Root=1-…`).
"""

import logging
import re
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# Letters, digits and - _ . : = + /, 8 to 200 of them: a UUID, nginx's 32 hex digits, AWS's
# "Root=1-5759e988-bd862e3fe1be46a994272793".
SANE = re.compile(r"[A-Za-z0-9._:=+/-]{8,200}")
OUTSIDE_A_REQUEST = "-"

current: ContextVar[str] = ContextVar("request_id", default=OUTSIDE_A_REQUEST)


def begin(
    sender: object,
    environ: Mapping[str, str] | None = None,
    scope: Mapping[str, Any] | None = None,
    **_: object,
) -> None:
    """On request_started (WSGI or ASGI), before any middleware: the id holds until
    request_finished, so that Django's own line for a 4xx answer, written after the
    middleware returned, and a streamed body's lines carry it too."""
    incoming = ""
    if environ is not None:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
    elif scope is not None:
        wanted = HEADER.lower().encode()
        for name, value in scope.get("headers", []):
            if name == wanted:
                incoming = value.decode("latin-1")
    current.set(incoming if SANE.fullmatch(incoming) else uuid.uuid4().hex)


def end(sender: object, **_: object) -> None:
    """On request_finished: lines written between requests carry no id."""
    current.set(OUTSIDE_A_REQUEST)


class RequestIdMiddleware:
    """Returns the request's id in X-Request-ID on every response (outermost, so the API's
    errors and CORS refusals too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if current.get() == OUTSIDE_A_REQUEST:
            # A handler that sends no request_started: the same choice, from the request's
            # META (a WSGI environ, or the HTTP_ names an ASGI request gives its headers).
            begin(type(self), environ=request.META)
        request_id = current.get()
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Puts the id of the request being served (or "-") on each record as `request_id`, for
    the formatter (config/settings.py's LOGGING)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get()
        return True
