"""Writes to listings: create, edit (versioned: no silent overwrite) and the moderation states.

States: draft → submitted → published ⇄ paused, any of them → archived; staff approve a submitted
listing (→ published) or reject it (→ draft, with a reason), and its host is told (inbox, and
mail through the outbox, in the decision's transaction). With LISTING_APPROVAL_REQUIRED off,
submitting publishes at once. Every state change, the importer's withdrawals and returns too, goes
through `move_listings` (one listing or thousands, in a bounded number of statements), which
writes an AuditEntry, the `bookable` outbox message and the "gone" live event; every edit writes
an AuditEntry too (with the names of the fields it changed). Every write moves `version` forward.
"""

from outings.catalog.currencies import CURRENCIES
from outings.catalog.services.categories import save_category
from outings.catalog.services.errors import (
    HostSuspended,
    InvalidListing,
    InvalidTransition,
    ListingConflict,
    NotAHost,
    StaffOnly,
    ensure_active,
)
from outings.catalog.services.listings import (
    approve_listing,
    archive_listing,
    create_listing,
    host_of,
    move_listings,
    own_listing,
    pause_listing,
    reject_listing,
    resume_listing,
    submit_listing,
    update_listing,
)
from outings.catalog.services.validation import (
    LANGUAGE_CODES,
    LIMITS,
    MAX_CUTOFF_HOURS,
    MAX_LANGUAGES,
    MAX_PRICE,
    MAX_TAGS,
    ListingData,
    field_refusals,
    time_zone_at,
    validate_listing,
)

__all__ = [
    "CURRENCIES",
    "LANGUAGE_CODES",
    "LIMITS",
    "MAX_CUTOFF_HOURS",
    "MAX_LANGUAGES",
    "MAX_PRICE",
    "MAX_TAGS",
    "HostSuspended",
    "InvalidListing",
    "InvalidTransition",
    "ListingConflict",
    "ListingData",
    "NotAHost",
    "StaffOnly",
    "approve_listing",
    "archive_listing",
    "create_listing",
    "ensure_active",
    "field_refusals",
    "host_of",
    "move_listings",
    "own_listing",
    "pause_listing",
    "reject_listing",
    "resume_listing",
    "save_category",
    "submit_listing",
    "time_zone_at",
    "update_listing",
    "validate_listing",
]
