"""What every host page shares: who the host is, and how a refusal is shown."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, Protocol

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outings.accounts.models import HostProfile, User
from outings.accounts.requests import (
    FormPage,
    View,
    login_required_back_to,
    login_required_back_to_the_form,
)
from outings.bookings import selectors as booking_selectors
from outings.catalog.models import Listing
from outings.catalog.services import NotAHost, host_of, own_listing
from outings.common.errors import NotFound
from outings.scheduling.rules import SlotConflict

# What effects.host_dashboard_changed says happened to a booking; hosting/_board_news.html
# has a sentence for each.
BOARD_CHANGES = frozenset(
    {"requested", "confirmed", "cancelled", "declined", "expired", "transferred"}
)


def board_news(request: HttpRequest, host: HostProfile) -> dict[str, object] | None:
    """What changed, for a board refreshed live (`?booking=<reference>&change=<event>`, sent by
    htmx from the live event): the booking and the change, which the page's polite live region
    then says (hosting/_board_news.html). None for a plain visit or anything unexpected."""
    change = request.GET.get("change", "")
    if change not in BOARD_CHANGES:
        return None
    booking = booking_selectors.changed_booking_of_host(
        host=host, reference=request.GET.get("booking", "")
    )
    return None if booking is None else {"booking": booking, "change": change}


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def posted_number(request: HttpRequest, name: str) -> int:
    """A whole number a form carries in a hidden field (a version, an id); 0 when it is missing
    or bad (no version is 0, no row's id either)."""
    value = request.POST.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


def posted_version(request: HttpRequest, name: str) -> int:
    """The version a form was shown at (a hidden field, ADR 0008); 0 (never current) when it is
    missing or bad, so that a form without one cannot overwrite anything."""
    return posted_number(request, name)


def cancel_refused(conflict: SlotConflict) -> str:
    """What a date's cancel posted from a page shown before its places changed says (the
    schedules page and the roster): nothing was cancelled."""
    return _(
        "This date's places were changed since this page was opened; it now has %(current)s. "
        "It was not cancelled: cancel it again if you still want to."
    ) % {"current": conflict.current.capacity}


# Why an archived listing's rules and dates are refused (the services answer NotFound, as for
# one that is gone): said on its schedules page, and for a form posted about them.
ARCHIVED = gettext_lazy("This listing is archived: its schedules and dates stay as they are.")
# A form posted about a date that was removed meanwhile (its rule removed in another tab).
DATE_GONE = gettext_lazy("This date is no longer there: it was removed, perhaps in another window.")


def report_gone(request: HttpRequest, *, host: HostProfile, listing_id: int, message: str) -> None:
    """A form posted about a photo, rule, exception or date of the host's listing that is gone
    (removed in another tab): say so, as a message for the page the caller sends them back to,
    instead of a bare 404 page; on an archived listing, that it is archived (its rules and
    dates are there, and refused: "no longer there" until session 19). Someone else's listing
    stays a 404 (NotFound)."""
    listing = own_listing(host=host, listing_id=listing_id)
    messages.error(request, ARCHIVED if listing.status == Listing.Status.ARCHIVED else message)


# A host page's view as written (it gets the caller's HostProfile), and as the URLs call it.
type HostView[**P] = Callable[Concatenate[HttpRequest, HostProfile, P], HttpResponseBase]
type PageView[**P] = Callable[Concatenate[HttpRequest, P], HttpResponseBase]


class HostDecorator(Protocol):
    """What host_required_back_to gives: host_required for one kind of POST-only action."""

    def __call__[**P](self, view: HostView[P], /) -> PageView[P]: ...


def host_required[**P](view: HostView[P]) -> PageView[P]:
    """Signed in and a host: the view gets the caller's HostProfile. Anyone else is sent to log
    in or to become a host; a form sent without a session returns, once signed in, to the page
    it was on (login_required_back_to_the_form: a POST-only action answered the GET after the
    sign-in 405, an empty page, until session 23). A NotFound from a service (someone else's
    object) is a 404 page. For a view that answers a GET: a POST-only one names its form's
    page (host_required_back_to)."""
    return _for_hosts(view, login_required_back_to_the_form)


def host_required_back_to(form_page: FormPage) -> HostDecorator:
    """host_required for a POST-only action whose form is on the page `form_page` names (called
    with the request and the action's path arguments; nothing looked up): a form sent without
    a session and without a usable Referer (none, or another site's) leads there once signed
    in, nothing done. It led to the action's own address, a 405 (an empty page) after signing
    in, until session 24."""
    login_required = login_required_back_to(form_page)

    def decorator[**P](view: HostView[P], /) -> PageView[P]:
        return _for_hosts(view, login_required)

    return decorator


def _for_hosts[**P](view: HostView[P], login_required: Callable[[View], View]) -> PageView[P]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        try:
            host = host_of(user_of(request))
        except NotAHost:
            return redirect("hosting:become")
        try:
            return view(request, host, *args, **kwargs)
        except NotFound as error:  # another host's listing, photo, schedule or slot
            raise Http404 from error

    return wrapper


# The pages the POST-only host actions' forms are on (host_required_back_to), from the path's
# listing: `pk`; the action's other path arguments (the photo's, the date's id) do not change it.
def listing_page_url(request: HttpRequest, pk: int, **path: object) -> str:
    """The listing's host page: "Submit for review", "Pause", "Publish again", "Archive" (and
    the archive's confirmation, shown in the answer to "Archive")."""
    return reverse("hosting:listing", kwargs={"pk": pk})


def photos_url(request: HttpRequest, pk: int, **path: object) -> str:
    """The photos on the listing's host page: a photo's "Save" and "Delete", "Add photos"."""
    return f"{listing_page_url(request, pk)}#photos"


def schedules_url(request: HttpRequest, pk: int, **path: object) -> str:
    """The listing's schedules page: a rule's "Remove" and "Save exception", an exception's
    "Undo" (also on a rule's page of exceptions), a date's places and "Cancel"."""
    return reverse("hosting:schedules", kwargs={"pk": pk})
