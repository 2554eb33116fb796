# Placeholder until the pages land (replaced in this change).
from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


roster = roster_csv = decide = _todo
