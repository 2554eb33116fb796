"""One error shape for the whole API: `{"error": {"code", "message", "fields"}}`.

Every 4xx and 5xx the API answers, from a handler, from ninja's own checks or from Django
underneath (unknown path, wrong method), leaves in this shape with a stable `code`.

One body speaks one language. The messages here and the error classes' defaults are English in
the code, marked with `gettext_noop`, and `error_response` looks the message up in the active
language when it renders the body, as the rules translated the field messages they name
(`gettext` where they are raised). A message given already translated is not in the catalogue
and stays as it is. The exception is ninja's schema check: pydantic's field messages come in
English only, so that body is English whole.
"""

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext, gettext_noop
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from outings.api import throttling
from outings.common.errors import DomainError

logger = logging.getLogger(__name__)

# The code for each status that has no more specific one.
CODE_FOR_STATUS = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
}
MESSAGE_FOR_STATUS = {
    400: gettext_noop("The request is not valid."),
    401: gettext_noop("Authentication is required, or the credentials are not valid."),
    403: gettext_noop("You may not do this."),
    404: gettext_noop("Not found."),
    405: gettext_noop("This method is not allowed here."),
    409: gettext_noop("The request conflicts with the current state."),
    412: gettext_noop("The record changed since you read it."),
    413: gettext_noop("The request body is too large."),
    415: gettext_noop("The request body must be JSON."),
    429: gettext_noop("Too many requests; slow down."),
    500: gettext_noop("Something went wrong on our side. It has been logged."),
}


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, Any]


class ErrorOut(Schema):
    """The body of every error response."""

    error: ErrorDetail


class ValidationFailed(DomainError):
    code = "validation_error"
    status_code = 400
    message = gettext_noop("The request is not valid.")


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status_code = 413
    message = gettext_noop("The request body is too large.")


def responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error part of an operation's `response=` mapping, for the OpenAPI document."""
    return dict.fromkeys(statuses, ErrorOut)


def code_for(status: int) -> str:
    return CODE_FOR_STATUS.get(status, "server_error" if status >= 500 else "client_error")


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(
    status: int,
    *,
    code: str | None = None,
    message: str | None = None,
    fields: dict[str, Any] | None = None,
    translate: bool = True,
) -> HttpResponse:
    """The error body, its message (or the status's) in the active language unless `translate`
    is False (a body whose field messages come in English only)."""
    text = message or MESSAGE_FOR_STATUS.get(status, gettext_noop("The request failed."))
    body = error_body(code or code_for(status), gettext(text) if translate else text, fields)
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """ninja's error list as `{"body.name": ["Field required"], ...}`."""
    fields: dict[str, list[str]] = {}
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ())) or "request"
        fields.setdefault(location, []).append(str(error.get("msg", "Invalid value.")))
    return fields


# Where a field error's name says the field came from (docs/api.md "Errors").
LOCATIONS = ("body.", "query.", "path.", "header.", "current")


def located[T](where: str, action: Callable[[], T]) -> T:
    """Run a service; its field errors are named where they came from (`body.payload.title`,
    `query.cursor`), as the schema's own checks name theirs: one name for one field."""
    try:
        return action()
    except DomainError as error:
        error.fields = {
            name if name.startswith(LOCATIONS) else f"{where}.{name}": messages
            for name, messages in error.fields.items()
        }
        raise


def _on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return domain_error_response(exc)


def domain_error_response(exc: DomainError) -> HttpResponse:
    """The answer to a rule violation: its status, code and fields, and Retry-After if any."""
    response = error_response(
        exc.status_code, code=exc.code, message=exc.message, fields=exc.fields
    )
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    # pydantic's messages are English only: so is the rest of this body.
    return error_response(400, fields=validation_fields(exc.errors), translate=False)


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404)


def throttled_response(wait: float) -> HttpResponse:
    """429, with the whole seconds to wait (`wait`, from outings.api.throttling) as Retry-After."""
    response = error_response(429)
    response["Retry-After"] = str(throttling.retry_after(wait))
    return response


def _throttled_guess(request: HttpRequest) -> HttpResponse | None:
    """429 when this IP has spent its anonymous rate on refused credentials (token guessing, a
    session write without its CSRF token)."""
    wait = throttling.refused_credentials_wait(request)
    return None if wait is None else throttled_response(wait)


def _on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if (throttled := _throttled_guess(request)) is not None:
        return throttled
    message = exc.message if exc.message != "Unauthorized" else None  # ninja's bare default
    response = error_response(401, message=message)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _on_authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    # A session write without its CSRF token: refused credentials too, counted as a refused
    # token is (ninja throttles only the callers it authenticated).
    if (throttled := _throttled_guess(request)) is not None:
        return throttled
    return error_response(403, message=exc.message)


def _on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # ninja adds Retry-After to the response this returns.
    return error_response(429)


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja raises HttpError(400, "Cannot parse request body") for a body its reader refuses,
    # and HttpError(403, ...) when a session's CSRF check fails. Our reader refuses with a
    # DomainError of its own (outings.api.parser: not declared as JSON, not JSON in UTF-8, a
    # name given twice), which arrives as that HttpError raised from it, answered as it says.
    if isinstance(exc.__cause__, DomainError):
        return domain_error_response(exc.__cause__)
    return error_response(exc.status_code, message=str(exc) or None)


def _on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(413)


def _on_unreadable(
    request: HttpRequest, exc: SuspiciousOperation | MultiPartParserError
) -> HttpResponse:
    # What Django refuses to parse (more query or form fields than DATA_UPLOAD_MAX_NUMBER_FIELDS,
    # more files than DATA_UPLOAD_MAX_NUMBER_FILES), or cannot (a multipart body without a
    # valid boundary: the photo upload reads its parts, and so does the CSRF check of a session
    # write that sends its token in no header): bad input, as Django's own handler says.
    return error_response(
        400, code="validation_error", message=gettext_noop("The request could not be read.")
    )


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # ninja calls handlers outside the except block, hence exc_info=exc over logger.exception.
    logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500)


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default handlers (which answer `{"detail": ...}` or re-raise) with ones
    that answer in the shape. ninja picks the handler of the nearest class in the MRO."""
    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (DomainError, _on_domain_error),
        (NinjaValidationError, _on_validation_error),
        (Http404, _on_not_found),
        (ObjectDoesNotExist, _on_not_found),
        (AuthenticationError, _on_authentication_error),
        (AuthorizationError, _on_authorization_error),
        (Throttled, _on_throttled),
        (HttpError, _on_http_error),
        (RequestDataTooBig, _on_too_big),
        (SuspiciousOperation, _on_unreadable),
        (MultiPartParserError, _on_unreadable),
        (Exception, _on_unexpected),
    ]
    for exception_class, handler in handlers:
        api.add_exception_handler(exception_class, handler)
