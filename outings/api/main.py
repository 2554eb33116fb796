"""The public REST API, version 1: `/api/v1/`, its OpenAPI 3.1 document at `openapi.json` and
browsable docs at `docs` (Swagger UI from ninja's bundled static files: no CDN).

Versioning: a change that could break a client (a removed or renamed field, a new required
input, a changed meaning) goes into a v2 mounted beside this one, never into v1.
"""

import hashlib
from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from ninja import NinjaAPI, Swagger
from ninja.errors import ValidationError, ValidationErrorContext
from ninja.openapi.schema import OpenAPISchema

from outings.api.caching import evaluate_preconditions, make_etag, not_modified, same_for_everyone
from outings.api.errors import install_error_handlers, throttled_response
from outings.api.openapi import describe_headers
from outings.api.parser import JsonParser, Repeated
from outings.api.routes import bookings, catalog, me, search
from outings.api.routes.hosting import router as hosting_router
from outings.api.throttling import ApiRateLimit, request_wait
from outings.notifications import api as notifications_api

# ninja's sources of a multipart body's parts: both are the request body, `body.<name>`.
MULTIPART_SOURCES = ("form", "file")


class Api(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        """ninja's errors, a query parameter named `query.<name>` also for an item of a repeated
        one (`?category=tours&category=unicorns`), which ninja names by the handler's argument
        and the item's index (`query.params.category.1`): one name for one parameter. A
        parameter that takes one value, given more than once, is told so (outings.api.parser).
        A multipart body's form fields and files are `body.<name>`, as the handler's own errors
        name them (ninja's `form.alt_text` and `file.file` until session 22)."""
        repeated = {
            (
                context.model.__ninja_param_source__,
                *context.model.__ninja_flatten_map_reverse__.get(item["loc"], item["loc"]),
            )
            for context in error_contexts
            for item in context.pydantic_validation_error.errors(include_url=False)
            if isinstance(item.get("input"), Repeated)
        }
        error = super().validation_error_from_error_contexts(error_contexts)
        if repeated:
            error.errors = _said_once(error.errors, repeated)
        flattened = {
            path: names
            for context in error_contexts
            if context.model.__ninja_param_source__ == "query"
            for path, names in context.model.__ninja_flatten_map_reverse__.items()
        }
        for item in error.errors:
            source, *rest = item["loc"]
            for path, names in flattened.items():
                if source == "query" and tuple(rest[: len(path)]) == path:
                    item["loc"] = (source, *names)
            if source in MULTIPART_SOURCES:
                item["loc"] = ("body", *rest)
        return error

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """ninja's document, with the headers the operations send and read. Built once per
        process: ninja builds it anew on every request, which took about 1.3 s of CPU (the
        schemas of every operation), for anyone, as often as they liked. It depends on the code
        alone (not on the caller nor on the language)."""
        key = (path_prefix, tuple(sorted((path_params or {}).items())))
        document = self._documents.get(key)
        if document is None:
            document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            describe_headers(document)
            self._documents[key] = document
        return document

    @cached_property
    def _documents(self) -> dict[tuple[object, ...], OpenAPISchema]:
        return {}


def _said_once(
    errors: list[dict[str, Any]], repeated: set[tuple[object, ...]]
) -> list[dict[str, Any]]:
    """`errors`, each about a parameter given more than once (outings.api.parser.Repeated)
    told so, once (a type with alternatives fails on each of them), not that a list is no
    number or text."""
    told: set[tuple[object, ...]] = set()
    said: list[dict[str, Any]] = []
    for item in errors:
        location = tuple(item["loc"])
        if location not in repeated:
            said.append(item)
        elif location not in told:
            told.add(location)
            said.append({"type": "repeated", "loc": location, "msg": "Given more than once."})
    return said


def documents_view[**P](view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """The views of the document and the browsable docs: GET only, and counted against their
    caller's budget as every operation is (they are not operations, which ninja throttles).
    The document is a public read with an ETag (If-None-Match: 304): the same for everyone
    until the code changes, so it varies on nothing (outings.api.caching.same_for_everyone).
    The docs page is not: it may carry the caller's CSRF token."""

    @wraps(view)
    def counted(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request = args[0]
        assert isinstance(request, HttpRequest)
        wait = request_wait(request)
        if wait is not None:
            return throttled_response(wait)
        response = view(*args, **kwargs)
        if response.status_code != 200 or response["Content-Type"] != "application/json":
            return response
        # From the body, unlike the operations' ETags: it is the code's alone, and built once.
        etag = make_etag(hashlib.sha256(response.content).hexdigest(), language=False)
        return same_for_everyone(not_modified(request, etag) or response, etag)

    return require_GET(counted)


@documents_view
def index(request: HttpRequest) -> HttpResponse:
    """`/api/v1` and `/api/v1/`: where the document and the docs are (a 301 to a 404 before)."""
    return JsonResponse(
        {
            "name": "Outings API",
            "version": "1",
            "openapi": reverse("api-v1:openapi-json"),
            "docs": reverse("api-v1:openapi-view"),
        }
    )


api = Api(
    title="Outings API",
    version="1",
    description=(
        "Explore, book and offer things to do. Errors always have the shape "
        '`{"error": {"code", "message", "fields"}}`; see docs/api.md.'
    ),
    urls_namespace="api-v1",
    docs=Swagger(settings={"persistAuthorization": True}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=documents_view,
    throttle=[ApiRateLimit()],
    parser=JsonParser(),
)
install_error_handlers(api)
api.add_decorator(evaluate_preconditions)  # before the routers: each operation's handler
api.add_router("", catalog.router)
api.add_router("", me.router)
api.add_router("", search.router)
api.add_router("", notifications_api.router)
api.add_router("", hosting_router)
api.add_router("", bookings.router)
api.add_router("", bookings.staff_router)
