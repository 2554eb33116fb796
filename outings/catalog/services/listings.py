"""The writes: create, edit (versioned: no silent overwrite) and the moderation states."""

from collections.abc import Collection, Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from outings.accounts.models import HostProfile, User
from outings.bookings.selectors import held_by_bookings
from outings.catalog import events
from outings.catalog.models import AuditEntry, Listing
from outings.catalog.services.errors import (
    InvalidListing,
    InvalidTransition,
    ListingConflict,
    NotAHost,
    StaffOnly,
    ensure_active,
)
from outings.catalog.services.validation import ListingData, validate_listing
from outings.common import formtokens, outbox
from outings.common.errors import (
    ExpectedVersion,
    NotFound,
    VersionCondition,
    highest_version,
    version_is_current,
)
from outings.notifications import live
from outings.notifications.models import Notification
from outings.notifications.services import notify

# A circular import: scheduling.services takes ensure_active from catalog.services.errors (never
# from this module or the package), and is used here only at call time, so either side may load
# first.
from outings.scheduling import services as schedule_services
from outings.scheduling.models import Slot

# What staff need to approve or send back a listing: the "change" permission of the admin's
# "Listings to review" (hosting.ListingReview, the admin action asks for it); being staff only
# lets them into the admin.
REVIEW_AS_STAFF = "hosting.change_listingreview"

Status = Listing.Status


def host_of(user: User) -> HostProfile:
    """The caller's host profile; NotAHost if they have none. Does not check suspension."""
    host = HostProfile.objects.filter(user_id=user.pk).first()
    if host is None:
        raise NotAHost()
    return host


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
def create_listing(
    *, host: HostProfile, data: ListingData, actor: User, form_token: str | None = None
) -> Listing:
    """A new draft of `host`'s. `form_token` (the "New listing" page's one-time token) makes
    the same form sent again make no second draft: formtokens.AlreadySent names the first
    one's id (a refused form leaves its token unspent)."""
    ensure_active(host)
    used = formtokens.spend(user_id=actor.pk, token=form_token, kind="listing")
    values = validate_listing(data)
    listing = Listing.objects.create(
        host=host, status=Status.DRAFT, kind=Listing.Kind.EXPERIENCE, **values
    )
    formtokens.made(used, made_id=listing.pk)
    _audit(listing=listing, actor=actor, action="created", from_status="")
    return listing


@transaction.atomic
def update_listing(
    *,
    host: HostProfile,
    listing_id: int,
    expected_version: int | Collection[int] | VersionCondition[int],
    data: ListingData,
    actor: User,
    now: datetime | None = None,
) -> Listing:
    """Replace the editable fields of one of `host`'s listings, only if it is still at
    `expected_version` (or at any of several: an If-Match naming more than one ETag). The
    check and the write happen under the listing's row lock, so of two editors holding the same
    version exactly one wins; the other gets ListingConflict with the current listing. Archived
    listings cannot be edited.

    A new duration or time zone (the meeting point moved to another zone) carries over to the
    listing's dates (its schedules' and those made by hand) from `now` (default: the clock) on,
    in the same transaction
    (scheduling.services.follow_listing_change): refused with ScheduleOverlap if the starts
    would overlap, SlotHasBookings if a booked date would move.

    A host's edit comes through bookings.services.update_listing, which decides at once the
    dates past their cut-off by the minimum of guests they had when this edit raises it."""
    ensure_active(host)
    # The listing alone (no JOIN of its category): a row changed while the lock waited (staff
    # gave it another category) would drop out of a JOIN and read as NotFound (see _move).
    before = Listing.objects.select_for_update(no_key=True).filter(pk=listing_id, host=host).first()
    if before is None:
        raise NotFound()
    values = validate_listing(data)
    if before.status == Status.ARCHIVED:
        raise InvalidTransition(_("An archived listing cannot be edited."))
    if not version_is_current(before.version, expected_version):
        raise ListingConflict(current=before, expected_version=highest_version(expected_version))
    now = now or timezone.now()
    # Neither a smallest group nor a minimum of guests per date may grow beyond the seats of a
    # date to come: nobody could book that date, or it would be cancelled for too few guests.
    raised = [
        name
        for name in ("min_group_size", "min_guests")
        if values.get(name, getattr(before, name)) > getattr(before, name)
    ]
    if raised:
        capacity = schedule_services.smallest_capacity(listing=before, now=now)
        too_many = [name for name in raised if capacity is not None and capacity < values[name]]
        if too_many:
            message = _("A date of this listing has %(n)s seats: at most %(n)s.") % {"n": capacity}
            raise InvalidListing(fields={name: [message] for name in too_many})
    Listing.objects.filter(pk=before.pk).update(**values, version=F("version") + 1, updated_at=now)
    listing = own_listing(host=host, listing_id=listing_id)
    changed = [name for name in values if getattr(before, name) != getattr(listing, name)]
    if "duration_minutes" in changed or "time_zone" in changed:
        schedule_services.follow_listing_change(
            listing=listing, previous_time_zone=before.time_zone, now=now
        )
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
    expected_version: ExpectedVersion = None,
    with_host_user: bool = False,
) -> Listing:
    """Move a listing between states under its row lock (move_listings); with
    `expected_version` (or several: an If-Match naming more than one ETag), only if the listing
    is still at it (ListingConflict), checked before whether it may make the move: of two
    changes based on the same version exactly one goes ahead. With `with_host_user`, the
    listing's host and their user are read once it is locked (for _tell_host): the host it has
    then, which nobody can change until this transaction ends.

    The lock is taken by a statement that reads the listing alone. Read with a JOIN of its host
    (session 17), a listing given to another host while the lock waited dropped out of the
    result: PostgreSQL rechecks the changed row against the host row the statement had already
    read, and the decision answered NotFound for a listing that exists."""
    rows = Listing.objects.select_for_update(no_key=True).filter(pk=listing_id)
    if host is not None:
        rows = rows.filter(host=host)
    listing = rows.first()
    if listing is None:
        raise NotFound()
    if with_host_user:
        listing.host = HostProfile.objects.select_related("user").get(pk=listing.host_id)
    if expected_version is not None and not version_is_current(listing.version, expected_version):
        raise ListingConflict(current=listing, expected_version=highest_version(expected_version))
    if listing.status not in allowed_from:
        raise InvalidTransition(
            _("A listing that is %(status)s cannot be %(action)s.")
            % {"status": listing.get_status_display().lower(), "action": action}
        )
    move_listings(
        listings=[listing],
        to=to,
        action=action,
        actor=actor,
        now=timezone.now(),
        note=note,
        rejection_reason=rejection_reason,
    )
    return listing


def move_listings(
    *,
    listings: Sequence[Listing],
    to: str,
    action: str,
    actor: User | None,
    now: datetime,
    note: str = "",
    rejection_reason: str | None = None,
    withdrawn: bool = False,
) -> None:
    """Move `listings` to the state `to`: every change of a listing's state goes through here,
    a host's, staff's and the importer's, one listing or thousands.

    Call in the transaction that holds their row locks (`FOR NO KEY UPDATE`, taken in id order:
    the app's lock order, docs/bookings.md), with each listing as it was read under its lock (at
    least `host_id`, `status` and `version` loaded), once the caller has checked that each may
    make this move. Three statements at most, however many listings: one UPDATE (the status,
    `version` + 1, `updated_at`; `withdrawn_at`, which says the importer took the listing off the
    site, set by `withdrawn` and cleared by any other move; `rejection_reason` when given), one
    INSERT of their audit entries, one of their outbox messages. A listing that becomes
    published is bookable again: a `catalog.listing.bookable` message each, written in this
    transaction (DESIGN.md invariant 4). A listing that leaves published has its open pages told
    it is gone, after commit. The instances are updated to match."""
    if not listings:
        return
    values: dict[str, object] = {
        "status": to,
        "updated_at": now,
        # Only the importer's own pause is a withdrawal: after any other move (a host resuming a
        # listing staff gave them, then pausing it) the importer must not publish it again.
        "withdrawn_at": now if withdrawn else None,
    }
    if rejection_reason is not None:
        values["rejection_reason"] = rejection_reason
    Listing.objects.filter(pk__in=[listing.pk for listing in listings]).update(
        version=F("version") + 1, **values
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(
            listing_id=listing.pk,
            host_id=listing.host_id,
            actor=actor,
            action=action,
            from_status=listing.status,
            to_status=to,
            note=note,
        )
        for listing in listings
    )
    if to == Status.PUBLISHED:
        outbox.enqueue_many(
            kind=events.BOOKABLE, payloads=[{"listing": listing.pk} for listing in listings]
        )
    for listing in listings:
        if listing.status == Status.PUBLISHED and to != Status.PUBLISHED:
            live.publish_listing_gone(listing.pk)
        for name, value in values.items():
            setattr(listing, name, value)
        listing.version += 1


@transaction.atomic
def submit_listing(
    *,
    host: HostProfile,
    listing_id: int,
    actor: User,
    expected_version: ExpectedVersion = None,
) -> Listing:
    """Send a draft for review, or publish it at once when approval is switched off. A listing
    needs a summary and a description to be submitted. With `expected_version` (or several),
    only if the draft is still at it (ListingConflict), as each state change below."""
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
        expected_version=expected_version,
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
def approve_listing(
    *, staff: User, listing_id: int, reviewed_version: int | None = None
) -> Listing:
    """Staff: publish a submitted listing, and tell its host (inbox and mail, with a link to it
    on the site). With `reviewed_version`, the version staff read: if the host changed the
    listing since (an edit moves its version), nothing is published and ListingConflict says
    so, so that what goes live is what was reviewed. Staff without REVIEW_AS_STAFF: StaffOnly."""
    if not staff.may_as_staff(REVIEW_AS_STAFF):
        raise StaffOnly()
    listing = _move(
        listing_id=listing_id,
        host=None,
        allowed_from=[Status.SUBMITTED],
        to=Status.PUBLISHED,
        action="approved",
        actor=staff,
        expected_version=reviewed_version,
        with_host_user=True,
    )
    _tell_host(listing, kind=Notification.Kind.LISTING_APPROVED, url=listing.get_absolute_url())
    return listing


@transaction.atomic
def reject_listing(*, staff: User, listing_id: int, reason: str) -> Listing:
    """Staff: send a submitted listing back to draft, telling the host why (inbox and mail,
    with the reason and a link to edit the listing and submit it again). Staff without
    REVIEW_AS_STAFF: StaffOnly."""
    if not staff.may_as_staff(REVIEW_AS_STAFF):
        raise StaffOnly()
    reason = reason.strip()
    if not reason:
        raise InvalidListing(fields={"reason": [_("Tell the host what to change.")]})
    if "\x00" in reason:  # PostgreSQL refuses it in a text
        raise InvalidListing(fields={"reason": [_("Must not contain NUL characters.")]})
    listing = _move(
        listing_id=listing_id,
        host=None,
        allowed_from=[Status.SUBMITTED],
        to=Status.DRAFT,
        action="rejected",
        actor=staff,
        note=reason,
        rejection_reason=reason,
        with_host_user=True,
    )
    _tell_host(
        listing,
        kind=Notification.Kind.LISTING_REJECTED,
        url=reverse("hosting:listing", args=[listing.pk]),
        reason=reason,
    )
    return listing


def _tell_host(listing: Listing, *, kind: str, url: str, **data: str) -> None:
    """Staff's decision in the host's inbox, and by mail if they want mail about their listings
    (notifications.services.notify): written in the decision's transaction, so that a decision
    rolled back tells nobody; the mail leaves through the outbox, in the host's language.
    `listing` as _move read it `with_host_user`."""
    notify(
        user=listing.host.user,
        kind=kind,
        data={"listing": listing.title, "listing_language": listing.content_language, **data},
        url=url,
    )


@transaction.atomic
def pause_listing(
    *,
    host: HostProfile,
    listing_id: int,
    actor: User,
    expected_version: ExpectedVersion = None,
) -> Listing:
    """Take a published listing off the site for a while; existing bookings stand."""
    ensure_active(host)
    return _move(
        listing_id=listing_id,
        host=host,
        allowed_from=[Status.PUBLISHED],
        to=Status.PAUSED,
        action="paused",
        actor=actor,
        expected_version=expected_version,
    )


@transaction.atomic
def resume_listing(
    *,
    host: HostProfile,
    listing_id: int,
    actor: User,
    expected_version: ExpectedVersion = None,
) -> Listing:
    """Put a paused listing back on the site (it was approved before: no new review)."""
    ensure_active(host)
    return _move(
        listing_id=listing_id,
        host=host,
        allowed_from=[Status.PAUSED],
        to=Status.PUBLISHED,
        action="resumed",
        actor=actor,
        expected_version=expected_version,
    )


@transaction.atomic
def archive_listing(
    *,
    host: HostProfile,
    listing_id: int,
    actor: User,
    now: datetime,
    expected_version: ExpectedVersion = None,
) -> Listing:
    """Retire a listing for good. Refused while bookings hold seats on a future slot: its
    bookings are cancelled first, through the bookings app (a hold or a request whose time ran
    out holds none, swept or not). Its open dates to come, all unbooked then, go off sale as a
    removed rule's do (scheduling.services.retire: deleted, or cancelled where a lapsed
    booking names one or guests wait on one, who are told).

    The seats are read under the row locks of the listing and then of its dates to come, in
    start order (the app's lock order, docs/architecture.md): a hold or a confirm taking seats
    at that moment holds its date's row until it commits, and is waited for and counted. Read
    without the dates' locks (until session 18), seats not yet committed were not seen, and the
    listing was archived with a live booking. A hold that read the listing as public before
    and waits for a date's row finds the date gone (its seat UPDATE checks the date, not the
    listing): left open, it took its seats on the archived listing."""
    ensure_active(host)
    if not Listing.objects.select_for_update(no_key=True).filter(pk=listing_id, host=host).exists():
        raise NotFound()
    dates = list(
        Slot.objects.select_for_update()
        .filter(listing_id=listing_id, starts_at__gte=now)
        .order_by("starts_at")
        .values_list("pk", "status", "seats_taken")
    )
    # A hold or a request whose time ran out holds none (held_by_bookings; until session 22 it
    # counted until the sweep recorded it).
    if held_by_bookings([pk for pk, _status, seats_taken in dates if seats_taken], now=now):
        raise InvalidTransition(_("This listing has upcoming bookings; it cannot be archived yet."))
    listing = _move(
        listing_id=listing_id,
        host=host,
        allowed_from=[Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED, Status.PAUSED],
        to=Status.ARCHIVED,
        action="archived",
        actor=actor,
        expected_version=expected_version,
    )
    schedule_services.retire(
        [pk for pk, status, _seats in dates if status == Slot.Status.OPEN], now=now
    )
    return listing
