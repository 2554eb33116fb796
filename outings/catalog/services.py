"""Writes to listings: create, edit (versioned: no silent overwrite) and the moderation states.

States: draft → submitted → published ⇄ paused, any of them → archived; staff approve a submitted
listing (→ published) or reject it (→ draft, with a reason). With LISTING_APPROVAL_REQUIRED off,
submitting publishes at once. Every state change writes an AuditEntry in its own transaction; so
does every edit (with the names of the fields it changed). Every write moves `version` forward.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import tzfpy
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from outings.accounts.models import HostProfile, User
from outings.catalog.markdown import render_markdown
from outings.catalog.models import AuditEntry, CancellationPolicy, Category, Listing
from outings.common.errors import DomainError, NotFound
from outings.scheduling.models import Slot
from outings.scheduling.rules import MAX_CAPACITY

Status = Listing.Status

# ISO 4217 codes a host may price in.
CURRENCIES = (
    *("EUR", "USD", "GBP", "CAD", "AUD", "NZD", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN"),
    *("CZK", "HUF", "MXN", "BRL", "ZAR", "INR", "SGD", "HKD", "KRW", "TRY", "ILS", "THB"),
)
# ISO 639-1 codes Django knows a name for.
LANGUAGE_CODES = frozenset(code for code in LANG_INFO if len(code) == 2)
MAX_PRICE = 100_000_000  # minor units
MAX_TAGS = 10
MAX_LANGUAGES = 10
MAX_CUTOFF_HOURS = 720  # the minimum number of guests is decided at most 30 days ahead
LIMITS = {
    "title": 200,
    "summary": 300,
    "description": 20_000,
    "address": 300,
    "city": 120,
    "meeting_point": 300,
    "included": 2_000,
    "requirements": 2_000,
}


class InvalidListing(DomainError):
    code = "validation_error"
    status_code = 400
    message = "The listing is not valid."


class ListingConflict(DomainError):
    """An edit based on an old version. `current` is the listing as it is now."""

    code = "conflict"
    status_code = 409
    message = "Someone changed this listing since you opened it."

    def __init__(self, *, current: Listing, expected_version: int) -> None:
        super().__init__(
            _("The listing is at version %(current)s; your edit was based on version %(yours)s.")
            % {"current": current.version, "yours": expected_version},
        )
        self.current = current
        self.expected_version = expected_version


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status_code = 409
    message = "The listing cannot make this change in its current state."


class NotAHost(DomainError):
    code = "not_a_host"
    status_code = 403
    message = "Become a host first."


class HostSuspended(DomainError):
    code = "host_suspended"
    status_code = 403
    message = "Your host account is suspended; contact us."


class StaffOnly(DomainError):
    code = "forbidden"
    status_code = 403
    message = "Only staff may do this."


@dataclass(frozen=True, kw_only=True)
class ListingData:
    """Everything a host edits about a listing. Text is taken as given and checked here."""

    title: str
    category: str  # a Category slug
    summary: str = ""
    description: str = ""  # Markdown
    tags: Sequence[str] = ()
    languages: Sequence[str] = ("en",)
    content_language: str = "en"
    duration_minutes: int = 60
    price_amount: int = 0  # minor units
    currency: str = "EUR"
    min_group_size: int = 1
    max_group_size: int = 10
    address: str = ""
    city: str = ""
    country_code: str = ""
    latitude: float = field(default=math.nan)
    longitude: float = field(default=math.nan)
    meeting_point: str = ""
    cancellation_policy: str = CancellationPolicy.FLEXIBLE
    included: str = ""
    requirements: str = ""
    # How it is booked. None leaves the listing's value as it is (a new listing takes the model
    # default), so that callers written before these existed (the web form, importers) never
    # reset them.
    instant_booking: bool | None = None
    min_guests: int | None = None  # 0: no minimum
    min_guests_cutoff_hours: int | None = None

    @classmethod
    def of(cls, listing: Listing) -> "ListingData":
        """The editable values of a listing as it is."""
        values = {f.name: getattr(listing, f.name) for f in fields(cls) if f.name != "category"}
        return cls(category=listing.category.slug, **values)


def time_zone_at(*, latitude: float, longitude: float) -> str:
    """The IANA zone of a point (offline lookup); UTC at sea."""
    return str(tzfpy.get_tz(longitude, latitude) or "UTC")


def validate_listing(data: ListingData) -> dict[str, Any]:
    """The model values for `data`; InvalidListing naming every field at fault."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    values: dict[str, Any] = {}
    for name, limit in LIMITS.items():
        text = str(getattr(data, name)).strip()
        if "\x00" in text:
            fail(name, _("Must not contain NUL characters."))
        elif len(text) > limit:
            fail(name, _("At most %(limit)s characters.") % {"limit": limit})
        values[name] = text
    for name in ("title", "address", "city"):
        if not values[name]:
            fail(name, _("This field is required."))
    category = Category.objects.filter(slug=data.category).first()
    if category is None:
        fail("category", _("Choose one of the categories."))
    values["category_id"] = category.pk if category else None
    tags = list(dict.fromkeys(t.strip().lower() for t in data.tags if t.strip()))
    if len(tags) > MAX_TAGS or any(len(t) > 60 or "\x00" in t for t in tags):
        fail("tags", _("At most %(n)s tags of up to 60 characters each.") % {"n": MAX_TAGS})
    values["tags"] = tags
    languages = list(dict.fromkeys(code.strip().lower() for code in data.languages))
    if not languages or len(languages) > MAX_LANGUAGES:
        fail("languages", _("Name between 1 and %(n)s languages.") % {"n": MAX_LANGUAGES})
    elif not set(languages) <= LANGUAGE_CODES:
        fail("languages", _("Use two-letter ISO 639-1 codes, such as en or de."))
    values["languages"] = languages
    if data.content_language not in LANGUAGE_CODES:
        fail("content_language", _("Use a two-letter ISO 639-1 code."))
    values["content_language"] = data.content_language
    _check_range(fail, "duration_minutes", data.duration_minutes, 10, 7 * 24 * 60)
    _check_range(fail, "price_amount", data.price_amount, 0, MAX_PRICE)
    _check_range(fail, "min_group_size", data.min_group_size, 1, 100)
    _check_range(fail, "max_group_size", data.max_group_size, 1, 500)
    if not errors.get("max_group_size") and data.max_group_size < data.min_group_size:
        fail("max_group_size", _("Must be at least the smallest group size."))
    for name in ("duration_minutes", "price_amount", "min_group_size", "max_group_size"):
        values[name] = getattr(data, name)
    if data.currency not in CURRENCIES:
        fail("currency", _("Choose one of the listed currencies."))
    values["currency"] = data.currency
    country = data.country_code.strip().upper()
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        fail("country_code", _("Use a two-letter ISO 3166 code, such as DE."))
    values["country_code"] = country
    if not (math.isfinite(data.latitude) and -90 <= data.latitude <= 90):
        fail("latitude", _("A latitude between -90 and 90 is required."))
    if not (math.isfinite(data.longitude) and -180 <= data.longitude <= 180):
        fail("longitude", _("A longitude between -180 and 180 is required."))
    values["latitude"], values["longitude"] = data.latitude, data.longitude
    if data.cancellation_policy not in CancellationPolicy.values:
        fail("cancellation_policy", _("Choose flexible, moderate or strict."))
    values["cancellation_policy"] = data.cancellation_policy
    _validate_booking_settings(data, fail, values)
    if errors:
        raise InvalidListing(fields=errors)
    values["description_html"] = render_markdown(values["description"])
    values["time_zone"] = time_zone_at(latitude=data.latitude, longitude=data.longitude)
    return values


def _validate_booking_settings(
    data: ListingData, fail: Callable[[str, str], None], values: dict[str, Any]
) -> None:
    """The booking settings that `data` sets (None: unchanged) into `values`."""
    if data.instant_booking is not None:
        if not isinstance(data.instant_booking, bool):
            fail("instant_booking", _("Must be true or false."))
        values["instant_booking"] = data.instant_booking
    if data.min_guests is not None:
        _check_range(fail, "min_guests", data.min_guests, 0, MAX_CAPACITY)
        values["min_guests"] = data.min_guests
    if data.min_guests_cutoff_hours is not None:
        _check_range(
            fail, "min_guests_cutoff_hours", data.min_guests_cutoff_hours, 1, MAX_CUTOFF_HOURS
        )
        values["min_guests_cutoff_hours"] = data.min_guests_cutoff_hours


def _check_range(
    fail: Callable[[str, str], None], name: str, value: int, low: int, high: int
) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(name, _("A whole number from %(low)s to %(high)s.") % {"low": low, "high": high})


def host_of(user: User) -> HostProfile:
    """The caller's host profile; NotAHost if they have none. Does not check suspension."""
    host = HostProfile.objects.filter(user_id=user.pk).first()
    if host is None:
        raise NotAHost()
    return host


def ensure_active(host: HostProfile) -> None:
    """HostSuspended unless the host may still make changes."""
    if host.suspended_at is not None:
        raise HostSuspended()


def _audit(
    *, listing: Listing, actor: User | None, action: str, from_status: str, note: str = ""
) -> None:
    AuditEntry.objects.create(
        listing=listing,
        host_id=listing.host_id,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=listing.status,
        note=note,
    )


@transaction.atomic
def create_listing(*, host: HostProfile, data: ListingData, actor: User) -> Listing:
    """A new draft of `host`'s."""
    ensure_active(host)
    values = validate_listing(data)
    listing = Listing.objects.create(
        host=host, status=Status.DRAFT, kind=Listing.Kind.EXPERIENCE, **values
    )
    _audit(listing=listing, actor=actor, action="created", from_status="")
    return listing


@transaction.atomic
def update_listing(
    *, host: HostProfile, listing_id: int, expected_version: int, data: ListingData, actor: User
) -> Listing:
    """Replace the editable fields of one of `host`'s listings, only if it is still at
    `expected_version`: one conditional UPDATE is both the check and the write, so of two
    editors holding the same version exactly one wins; the other gets ListingConflict with the
    current listing. Archived listings cannot be edited."""
    ensure_active(host)
    before = own_listing(host=host, listing_id=listing_id)
    values = validate_listing(data)
    updated = (
        Listing.objects.filter(pk=before.pk, host=host, version=expected_version)
        .exclude(status=Status.ARCHIVED)
        .update(**values, version=F("version") + 1, updated_at=timezone.now())
    )
    if not updated:
        current = own_listing(host=host, listing_id=listing_id)
        if current.status == Status.ARCHIVED:
            raise InvalidTransition(_("An archived listing cannot be edited."))
        raise ListingConflict(current=current, expected_version=expected_version)
    listing = own_listing(host=host, listing_id=listing_id)
    changed = [name for name in values if getattr(before, name) != getattr(listing, name)]
    note = ", ".join(name.removesuffix("_id") for name in changed if name != "description_html")
    _audit(listing=listing, actor=actor, action="edited", from_status=before.status, note=note)
    return listing


def own_listing(*, host: HostProfile, listing_id: int) -> Listing:
    """One of `host`'s listings; NotFound for anyone else's (the answer never tells)."""
    listing = Listing.objects.select_related("category").filter(pk=listing_id, host=host).first()
    if listing is None:
        raise NotFound()
    return listing


def _move(
    *,
    listing_id: int,
    host: HostProfile | None,
    allowed_from: Sequence[str],
    to: str,
    action: str,
    actor: User,
    note: str = "",
    rejection_reason: str | None = None,
) -> Listing:
    """Move a listing between states under its row lock, with an audit entry."""
    rows = Listing.objects.select_for_update().filter(pk=listing_id)
    if host is not None:
        rows = rows.filter(host=host)
    listing = rows.first()
    if listing is None:
        raise NotFound()
    if listing.status not in allowed_from:
        raise InvalidTransition(
            _("A listing that is %(status)s cannot be %(action)s.")
            % {"status": listing.get_status_display().lower(), "action": action}
        )
    from_status = listing.status
    listing.status = to
    listing.version += 1
    update = ["status", "version", "updated_at"]
    if rejection_reason is not None:
        listing.rejection_reason = rejection_reason
        update.append("rejection_reason")
    listing.save(update_fields=update)
    _audit(listing=listing, actor=actor, action=action, from_status=from_status, note=note)
    return listing


@transaction.atomic
def submit_listing(*, host: HostProfile, listing_id: int, actor: User) -> Listing:
    """Send a draft for review, or publish it at once when approval is switched off. A listing
    needs a summary and a description to be submitted."""
    ensure_active(host)
    listing = own_listing(host=host, listing_id=listing_id)
    missing = {
        name: [_("Needed before you submit.")]
        for name in ("summary", "description")
        if not getattr(listing, name).strip()
    }
    if missing:
        raise InvalidListing(_("The listing is not complete."), fields=missing)
    listing = _move(
        listing_id=listing_id,
        host=host,
        allowed_from=[Status.DRAFT],
        to=Status.SUBMITTED,
        action="submitted",
        actor=actor,
        rejection_reason="",
    )
    if not settings.LISTING_APPROVAL_REQUIRED:
        listing = _move(
            listing_id=listing_id,
            host=host,
            allowed_from=[Status.SUBMITTED],
            to=Status.PUBLISHED,
            action="published",
            actor=actor,
            note="approval is switched off",
        )
    return listing


@transaction.atomic
def approve_listing(*, staff: User, listing_id: int) -> Listing:
    """Staff: publish a submitted listing."""
    if not staff.is_staff:
        raise StaffOnly()
    return _move(
        listing_id=listing_id,
        host=None,
        allowed_from=[Status.SUBMITTED],
        to=Status.PUBLISHED,
        action="approved",
        actor=staff,
    )


@transaction.atomic
def reject_listing(*, staff: User, listing_id: int, reason: str) -> Listing:
    """Staff: send a submitted listing back to draft, telling the host why."""
    if not staff.is_staff:
        raise StaffOnly()
    reason = reason.strip()
    if not reason:
        raise InvalidListing(fields={"reason": [_("Tell the host what to change.")]})
    return _move(
        listing_id=listing_id,
        host=None,
        allowed_from=[Status.SUBMITTED],
        to=Status.DRAFT,
        action="rejected",
        actor=staff,
        note=reason,
        rejection_reason=reason,
    )


@transaction.atomic
def pause_listing(*, host: HostProfile, listing_id: int, actor: User) -> Listing:
    """Take a published listing off the site for a while; existing bookings stand."""
    ensure_active(host)
    return _move(
        listing_id=listing_id,
        host=host,
        allowed_from=[Status.PUBLISHED],
        to=Status.PAUSED,
        action="paused",
        actor=actor,
    )


@transaction.atomic
def resume_listing(*, host: HostProfile, listing_id: int, actor: User) -> Listing:
    """Put a paused listing back on the site (it was approved before: no new review)."""
    ensure_active(host)
    return _move(
        listing_id=listing_id,
        host=host,
        allowed_from=[Status.PAUSED],
        to=Status.PUBLISHED,
        action="resumed",
        actor=actor,
    )


@transaction.atomic
def archive_listing(*, host: HostProfile, listing_id: int, actor: User, now: datetime) -> Listing:
    """Retire a listing for good. Refused while a future slot has seats taken (cancelling
    bookings goes through the bookings app, which does not exist yet)."""
    ensure_active(host)
    own_listing(host=host, listing_id=listing_id)
    if Slot.objects.filter(listing_id=listing_id, starts_at__gte=now, seats_taken__gt=0).exists():
        raise InvalidTransition(_("This listing has upcoming bookings; it cannot be archived yet."))
    return _move(
        listing_id=listing_id,
        host=host,
        allowed_from=[Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED, Status.PAUSED],
        to=Status.ARCHIVED,
        action="archived",
        actor=actor,
    )
