"""The host's dashboard and their listings: create, edit (with the conflict page), state changes."""

import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from outings.accounts.models import HostProfile
from outings.bookings import selectors as booking_selectors
from outings.bookings import services as bookings
from outings.bookings.forms import message_of
from outings.catalog import services
from outings.catalog.models import Listing
from outings.catalog.photos.selectors import PhotoView, photos_for_listing
from outings.catalog.services import ListingConflict, ListingData, validate_listing
from outings.common import pagetokens
from outings.common.errors import DomainError, NotFound, version_is_current
from outings.common.formtokens import AlreadySent, InvalidFormToken, new_form_token, renew_token
from outings.common.pagetokens import BadCursor
from outings.hosting import selectors
from outings.hosting.forms import ListingForm, NewListingForm, add_domain_errors
from outings.hosting.views.common import (
    board_news,
    host_required,
    host_required_back_to,
    listing_page_url,
    posted_version,
    user_of,
)
from outings.stats import selectors as stats
from outings.web.uploads import MEGABYTE

UPCOMING = 10


_CURSOR = re.compile(rf"([01]):({pagetokens.INSTANT}):({pagetokens.ID})")


def encode_cursor(key: selectors.DashboardKey) -> str:
    archived, updated_at, pk = key
    return pagetokens.encode(f"{int(archived)}:{pagetokens.instant_text(updated_at)}:{pk}")


def decode_cursor(token: str) -> selectors.DashboardKey:
    """The listing a page of the dashboard continues after; BadCursor for anything
    encode_cursor did not make."""
    match = pagetokens.decode(token, pattern=_CURSOR, max_length=60)
    instant = pagetokens.instant_of(match.group(2), token)
    return match.group(1) == "1", instant, pagetokens.id_within(match.group(3), token)


@host_required
def dashboard(request: HttpRequest, host: HostProfile) -> HttpResponse:
    """The host's latest bookings, what needs their attention, and a page of their listings
    (keyset-paginated: ?after=<token>)."""
    now = timezone.now()
    token = request.GET.get("after", "")
    try:
        after = decode_cursor(token) if token else None
    except BadCursor:
        return render(request, "hosting/bad_cursor.html", status=400)
    board = selectors.dashboard(host=host, now=now, size=int(settings.PAGE_SIZE), after=after)
    latest = booking_selectors.latest_for_host(host=host, now=now)
    news = board_news(request, host)
    context = {
        "host": host,
        "board": board,
        "latest": latest,
        "news": news,
        "after": token if after is not None else "",
        "next_cursor": None if board.next_after is None else encode_cursor(board.next_after),
        "recent_days": stats.RECENT_DAYS,
        "now": now,  # a date begun by then is under way
    }
    return render(request, "hosting/dashboard.html", context)


@host_required
@require_http_methods(["GET", "POST"])
def create_listing(request: HttpRequest, host: HostProfile) -> HttpResponse:
    """The "New listing" form. Its one-time token makes a second submission of the same form (a
    double click, a resend, the page Back restored) go to the draft the first one made."""
    form = NewListingForm(
        request.POST if request.method == "POST" else None,
        initial={"form_token": new_form_token()},
    )
    refused = 0  # the status of a service's refusal, if any
    if request.method == "POST" and form.is_valid():
        try:
            listing = services.create_listing(
                host=host,
                data=form.to_data(),
                actor=user_of(request),
                form_token=form.cleaned_data["form_token"],
            )
        except AlreadySent as sent:
            messages.info(request, _("This form was already sent: here is the draft it made."))
            return redirect("hosting:listing", pk=sent.made_id)
        except DomainError as error:
            if isinstance(error, InvalidFormToken):
                renew_token(form)
            refused = add_domain_errors(form, error, ListingForm.RENAMES)
        else:
            messages.success(request, _("Draft saved. Add photos and dates, then submit it."))
            return redirect("hosting:listing", pk=listing.pk)
    status = refused or (400 if form.errors else 200)
    return render(request, "hosting/listing_form.html", {"form": form}, status=status)


@host_required
@require_http_methods(["GET", "POST"])
def edit_listing(request: HttpRequest, host: HostProfile, pk: int) -> HttpResponse:
    """The listing's page for its host: the form, its state and actions, photos, next slots.
    An edit based on an old version answers 409 with what changed since."""
    listing = services.own_listing(host=host, listing_id=pk)
    initial = ListingForm.initial_for(ListingData.of(listing), listing.version)
    form = ListingForm(request.POST if request.method == "POST" else None, initial=initial)
    refused = 0  # the status of a service's refusal, if any
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data["version"] or 0
        try:
            bookings.update_listing(
                host=host,
                listing_id=pk,
                expected_version=expected,
                data=form.to_data(),
                actor=user_of(request),
                now=timezone.now(),
                clock=timezone.now,
            )
        except ListingConflict as conflict:
            return _conflict(request, form, conflict.current)
        except DomainError as error:
            refused = add_domain_errors(form, error, ListingForm.RENAMES)
        else:
            messages.success(request, _("Saved."))
            return redirect("hosting:listing", pk=pk)
    status = refused or (400 if form.errors else 200)
    return listing_page(request, listing, form=form, status=status)


def listing_page(
    request: HttpRequest,
    listing: Listing,
    *,
    form: ListingForm | None = None,
    status: int = 200,
    photos: list[PhotoView] | None = None,
) -> HttpResponse:
    """The listing's page for its host, answering `status`; `photos` as they are unless given
    (a photo conflict shows the host's own unsaved description in its field)."""
    if form is None:
        initial = ListingForm.initial_for(ListingData.of(listing), listing.version)
        form = ListingForm(initial=initial)
    now = timezone.now()
    context = {
        "form": form,
        "listing": listing,
        "photos": photos_for_listing(listing) if photos is None else photos,
        "slots": selectors.upcoming_slots(listing=listing, now=now, limit=UPCOMING),
        "now": now,  # a date begun by then is under way
        "max_photos": _max_photos(),
        # The photo form's one-time token: sent twice, it uploads once (views.photos).
        "photos_form_token": new_form_token(),
        # The limits told beside the upload (outings.web.uploads refuses a larger post).
        "photo_mb": max(1, int(settings.PHOTO_MAX_BYTES) // MEGABYTE),
        "upload_mb": max(1, int(settings.PHOTO_UPLOAD_MAX_BYTES) // MEGABYTE),
    }
    return render(request, "hosting/listing_form.html", context, status=status)


def _max_photos() -> int:
    return int(settings.PHOTO_MAX_PER_LISTING)


# The form's fields the listing stores under another name (validate_listing's values).
_STORED_AS = {"price": "price_amount", "category": "category_id"}


def _conflict(request: HttpRequest, form: ListingForm, current: Listing) -> HttpResponse:
    """409: the fields where the current listing differs from what this editor sent, and a form
    with the editor's values on the current version (saving it again overwrites on purpose).
    Compared as each would be stored (validate_listing, which the edit passed before its version
    was refused), not as typed: "de" is the country DE, "25" the price 25.00, and a field the
    post left out (the booking settings of an older page) keeps the saved value. Compared as
    typed (until session 24), such fields were listed as changed by someone else."""
    theirs = ListingForm.initial_for(ListingData.of(current), current.version)
    mine: dict[str, Any] = {name: form.cleaned_data.get(name) for name in theirs}
    stored = validate_listing(form.to_data())
    changes = [
        {"label": form.fields[name].label, "current": theirs[name], "yours": mine[name]}
        for name, field in ((name, _STORED_AS.get(name, name)) for name in theirs)
        if field in stored and stored[field] != getattr(current, field)
    ]
    kept = {name: value for name, value in mine.items() if value is not None}
    retry = ListingForm(initial={**theirs, **kept, "version": current.version})
    context = {"listing": current, "changes": changes, "form": retry}
    return render(request, "hosting/listing_conflict.html", context, status=409)


TRANSITIONS = {
    "submit": services.submit_listing,
    "pause": services.pause_listing,
    "resume": services.resume_listing,
}

# A state change posted from a page shown before the listing changed: what it says, then
# what it did not do.
STALE_STATE = gettext_lazy(
    "This listing was changed since this page was opened (in another window, through the API, "
    "or by our team); it is shown here as it is now."
)
NOT_DONE = {
    "submit": gettext_lazy("It was not submitted: submit it again if you still want to."),
    "pause": gettext_lazy("It was not paused: pause it again if you still want to."),
    "resume": gettext_lazy("It was not published again: publish it again if you still want to."),
    "archive": gettext_lazy("It was not archived: archive it again if you still want to."),
}


@host_required_back_to(listing_page_url)
@require_POST
def change_state(request: HttpRequest, host: HostProfile, pk: int, action: str) -> HttpResponse:
    """Submit, pause, resume or archive one of the host's listings. The form carries the
    listing's version: a page shown before the listing changed (another tab, the API, staff)
    answers 409 with the listing as it is, and nothing moves, as the API's If-Match refuses the
    same change (412); a post without a version moves nothing either."""
    if action not in NOT_DONE:
        raise Http404
    actor = user_of(request)
    expected = posted_version(request, "version")
    if action == "archive" and request.POST.get("confirm") != "1":
        asked = _ask_before_archiving(request, host=host, pk=pk, expected=expected)
        if asked is not None:
            return asked
    try:
        if action == "archive":
            services.archive_listing(
                host=host,
                listing_id=pk,
                actor=actor,
                now=timezone.now(),
                expected_version=expected,
            )
        else:
            TRANSITIONS[action](host=host, listing_id=pk, actor=actor, expected_version=expected)
    except ListingConflict:
        messages.error(request, f"{STALE_STATE} {NOT_DONE[action]}")
        return listing_page(request, services.own_listing(host=host, listing_id=pk), status=409)
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        details = " ".join(str(m) for ms in error.fields.values() for m in ms)
        messages.error(request, f"{message_of(error)} {details}".strip())
        return redirect("hosting:listing", pk=pk)
    messages.success(request, _("Done."))
    return redirect("hosting:listing", pk=pk)


def _ask_before_archiving(
    request: HttpRequest, *, host: HostProfile, pk: int, expected: int
) -> HttpResponse | None:
    """The listing page's Archive button: what archiving does (for good: no edit, no
    publishing again; its dates to come off sale) and Pause instead, before anything moves;
    its own form (`confirm`) archives. One click beside Pause retired the listing until
    session 23. A page shown before the listing changed is told so at once (409), as every
    state change; None for an archived listing, which the service refuses as before."""
    listing = services.own_listing(host=host, listing_id=pk)  # another host's: 404
    if listing.status == Listing.Status.ARCHIVED:
        return None
    if not version_is_current(listing.version, expected):
        messages.error(request, f"{STALE_STATE} {NOT_DONE['archive']}")
        return listing_page(request, listing, status=409)
    context = {"listing": listing, "version": expected}
    return render(request, "hosting/archive_confirm.html", context)
