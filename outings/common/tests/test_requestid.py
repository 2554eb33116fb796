"""The request id when the handler sends no request_started (a handler of someone else's, a
middleware chain called directly): RequestIdMiddleware chooses it the way `begin` does."""

import contextvars
import re

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import AsyncRequestFactory, RequestFactory

from outings.common import requestid
from outings.common.requestid import RequestIdMiddleware

FRESH_ID = r"[0-9a-f]{32}"
FACTORIES = [RequestFactory(), AsyncRequestFactory()]  # a WSGI request, an ASGI one


def served(request: HttpRequest) -> tuple[HttpResponse, str]:
    """The response of the middleware to `request`, and the id the log lines written while it
    was being served carried, in a context where no request_started set one."""
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(requestid.current.get())
        return HttpResponse()

    response = contextvars.Context().run(RequestIdMiddleware(view), request)
    [during] = seen
    return response, during


@pytest.mark.parametrize("factory", FACTORIES)
def test_without_request_started_a_sane_incoming_id_is_kept(factory):
    sane = "0f8fad5b-d9cb-469f-a165-70867728950e"

    response, during = served(factory.get("/", headers={"X-Request-ID": sane}))

    assert response["X-Request-ID"] == sane
    assert during == sane


@pytest.mark.parametrize("factory", FACTORIES)
@pytest.mark.parametrize("garbage", ["", "short", "id with spaces", "<script>", "x" * 201])
def test_without_request_started_a_garbage_id_is_replaced(factory, garbage):
    headers = {"X-Request-ID": garbage} if garbage else {}

    response, during = served(factory.get("/", headers=headers))

    assert re.fullmatch(FRESH_ID, response["X-Request-ID"])
    assert during == response["X-Request-ID"]


def test_with_request_started_the_middleware_returns_the_id_it_set():
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    def serve() -> HttpResponse:
        requestid.begin(None, environ={"HTTP_X_REQUEST_ID": "from-the-balancer-1"})
        return RequestIdMiddleware(view)(RequestFactory().get("/"))

    response = contextvars.Context().run(serve)

    assert response["X-Request-ID"] == "from-the-balancer-1"
