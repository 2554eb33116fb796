# Placeholder until the pages land (replaced in this change).
from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


my_bookings = book = booking_detail = booking_ics = accept_transfer = _todo
