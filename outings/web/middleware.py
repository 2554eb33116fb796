"""How the browser may keep the site's pages."""

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from outings.common.pagecache import cache_control_directives

PRIVATE_REVALIDATED = {"private", "no-cache"}
COMMAS = re.compile(r"\s*,\s*")  # as the lists in Vary are written


class HistoryRestorableMiddleware:
    """A page sent `Cache-Control: private, no-cache` loses `Cookie` from its `Vary`. Only the
    visitor's own browser may store such a page (`private`), and it asks the server again before
    every reuse (`no-cache`), except when the visitor goes Back or Forward: then it shows the
    page as it was, which is the point (docs/pages.md, "One listing"). `Vary: Cookie`, added by
    the session and CSRF middleware, would make Back fetch a new page whenever any cookie changed
    since (the CSRF cookie the page itself set, the `tz` cookie its script set): a booking form
    with a new one-time token, which books a second time. Runs outside those middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Vary") and _private_revalidated(response):
            vary = [h for h in COMMAS.split(response["Vary"]) if h.lower() != "cookie"]
            if vary:
                response["Vary"] = ", ".join(vary)
            else:
                del response["Vary"]
        return response


def _private_revalidated(response: HttpResponse) -> bool:
    directives = cache_control_directives(response)
    return directives >= PRIVATE_REVALIDATED and "no-store" not in directives
