"""What the host routes share: the caller as a host, path parameters, error field names."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from ninja.params import HeaderEx, P

from outings.accounts.models import HostProfile
from outings.api.auth import caller
from outings.catalog.services import host_of
from outings.common.errors import DomainError

IfMatch = HeaderEx[
    str | None,
    P(
        alias="If-Match",
        max_length=1000,
        description="The listing's ETag: the edit is refused with 412 if it changed since.",
    ),
]
LOCATIONS = ("body.", "query.", "path.", "header.", "current")


def host(request: HttpRequest) -> HostProfile:
    """The caller's host profile; 403 not_a_host for anyone else."""
    return host_of(caller(request))


def located[T](where: str, action: Callable[[], T]) -> T:
    """Run a service; its field errors are named where they came from (`body.payload.title`)."""
    try:
        return action()
    except DomainError as error:
        error.fields = {
            name if name.startswith(LOCATIONS) else f"{where}.{name}": messages
            for name, messages in error.fields.items()
        }
        raise


def no_content() -> HttpResponse:
    response = HttpResponse(status=204)
    del response["Content-Type"]
    return response
