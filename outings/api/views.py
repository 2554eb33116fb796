"""Django's error views for requests under /api/ (see outings.api.urlconf)."""

from django.http import HttpRequest, HttpResponse

from outings.api.errors import error_response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(403)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(500)
