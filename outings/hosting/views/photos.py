"""A listing's photos, for its host: upload (several at once), describe, reorder, delete."""

from dataclasses import replace

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outings.accounts.models import HostProfile
from outings.bookings.forms import message_of
from outings.catalog.models import ListingPhoto
from outings.catalog.photos import services
from outings.catalog.photos.selectors import photos_for_listing
from outings.catalog.services import own_listing
from outings.common.errors import DomainError, NotFound
from outings.common.formtokens import AlreadySent, InvalidFormToken
from outings.hosting.views.common import (
    host_required_back_to,
    photos_url,
    posted_version,
    report_gone,
)
from outings.hosting.views.listings import listing_page

# What a photo's form on the listing page sends as its `action`, one per button.
PHOTO_ACTIONS = ("save", "up", "down", "delete")


def _back(pk: int) -> HttpResponse:
    return redirect(reverse("hosting:listing", kwargs={"pk": pk}) + "#photos")


@host_required_back_to(photos_url)
@require_POST
def upload_photos(request: HttpRequest, host: HostProfile, pk: int) -> HttpResponse:
    """Each file is checked on its own; the good ones are kept, the bad ones named. The form's
    one-time token makes a second submission of the same form (a double click, a resend) add
    nothing: it comes back to the listing's photos, where the first one's are."""
    own_listing(host=host, listing_id=pk)
    files = request.FILES.getlist("photos")
    if not files:
        messages.error(request, _("Choose one or more photos to upload."))
    else:
        try:
            services.spend_upload_token(
                host=host, listing_id=pk, form_token=request.POST.get("form_token") or None
            )
        except AlreadySent:
            messages.info(request, _("This form was already sent: its photos are below."))
            return _back(pk)
        except InvalidFormToken as error:
            messages.error(request, message_of(error))
            return _back(pk)
    added = 0
    for upload in files:
        try:
            services.add_photo(host=host, listing_id=pk, file=upload, size=upload.size or 0)
        except NotFound:
            raise
        except DomainError as error:
            messages.error(request, f"{upload.name}: {message_of(error)}")
        else:
            added += 1
    if added:
        messages.success(request, _("Photos uploaded; their sizes are being prepared."))
    return _back(pk)


@host_required_back_to(photos_url)
@require_POST
def change_photo(request: HttpRequest, host: HostProfile, pk: int, photo_id: int) -> HttpResponse:
    """One form per photo: save its description, move it up or down, or delete it. The form
    carries the photo's version and the order's (`order_version`): a save, a delete or a move
    from a page shown before another tab changed them answers 409 with the page as it is now,
    never overwriting or removing what the other tab saved (the API's DELETE with If-Match
    refuses the same delete, 412). A photo deleted meanwhile is a message on the listing's
    page."""
    action = request.POST.get("action", "save")  # pressing Enter in the field: a save
    alt_text = request.POST.get("alt_text", "")
    if action not in PHOTO_ACTIONS or (action == "save" and "alt_text" not in request.POST):
        # Not a form this page shows: it cleared the description (any other action was a
        # save, of the missing field's ""), until session 22. Bad input changes nothing.
        listing = own_listing(host=host, listing_id=pk)  # another host's: 404
        messages.error(
            request, _("Go back, reload the page and send it again. Nothing was changed.")
        )
        return listing_page(request, listing, status=400)
    try:
        if action == "delete":
            services.delete_photo(
                host=host,
                listing_id=pk,
                photo_id=photo_id,
                expected_version=posted_version(request, "version"),
            )
        elif action in ("up", "down"):
            ids = list(
                ListingPhoto.objects.filter(listing_id=pk, listing__host=host).values_list(
                    "pk", flat=True
                )
            )
            if photo_id not in ids:
                raise NotFound()
            index = ids.index(photo_id)
            other = index - 1 if action == "up" else index + 1
            if 0 <= other < len(ids):
                ids[index], ids[other] = ids[other], ids[index]
            services.reorder_photos(
                host=host,
                listing_id=pk,
                photo_ids=ids,
                expected_version=posted_version(request, "order_version"),
            )
        else:
            services.update_photo(
                host=host,
                listing_id=pk,
                photo_id=photo_id,
                alt_text=alt_text,
                expected_version=posted_version(request, "version"),
            )
    except NotFound:
        message = _("This photo is no longer there: it was deleted, perhaps in another window.")
        report_gone(request, host=host, listing_id=pk, message=message)
    except services.PhotoConflict as conflict:
        if action == "delete":
            return _delete_conflict(request, host, pk, conflict.current)
        return _photo_conflict(request, host, pk, conflict.current, alt_text)
    except services.PhotoOrderConflict:
        messages.error(
            request,
            _(
                "The photos were reordered or deleted in another window since this page was "
                "opened. Here is their order now: move the photo again if you still want to."
            ),
        )
        return listing_page(request, own_listing(host=host, listing_id=pk), status=409)
    except DomainError as error:
        messages.error(request, message_of(error))
    return _back(pk)


def _delete_conflict(
    request: HttpRequest, host: HostProfile, pk: int, current: ListingPhoto
) -> HttpResponse:
    """409: the photo was described anew since the page was shown; it stays, and the page shows
    it as it is now, to be deleted again if that is still meant."""
    messages.error(
        request,
        _(
            "This photo's description was changed in another window since this page was "
            "opened; it now reads “%(current)s”. It was not deleted: delete it again if you "
            "still want to."
        )
        % {"current": current.alt_text},
    )
    return listing_page(request, own_listing(host=host, listing_id=pk), status=409)


def _photo_conflict(
    request: HttpRequest, host: HostProfile, pk: int, current: ListingPhoto, yours: str
) -> HttpResponse:
    """409: the description saved meanwhile, and the photo's field holding the host's own on the
    current version (saving it again replaces the other on purpose)."""
    messages.error(
        request,
        _(
            "This photo's description was changed in another window since this page was "
            "opened; it now reads “%(current)s”. Yours is in the field: save it again to "
            "replace it."
        )
        % {"current": current.alt_text},
    )
    listing = own_listing(host=host, listing_id=pk)
    photos = [
        replace(photo, alt_text=yours) if photo.id == current.pk else photo
        for photo in photos_for_listing(listing)
    ]
    return listing_page(request, listing, status=409, photos=photos)
