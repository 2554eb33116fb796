"""Writing normalised rows: demo hosts, listings (upserted by source and id), schedules, slots.

Idempotent by construction: a listing whose content hash has not changed is not written at all,
hosts are found by their stable username before any is created, and slots are only ever added
(never rewritten), so a run over unchanged data changes nothing and never touches seats_taken.

No silent overwrite (DESIGN.md invariant 5): each listing records what the importer last wrote,
field by field (`imported_digests`). A field whose value no longer matches was edited here (by
staff in the admin) and an update keeps it, counted as "edited here, kept"; the other fields
take the source's new values. An archived listing is final: an import leaves it as it is.

A listing whose item is no longer in the source is withdrawn, and published again when the item
comes back: withdrawals.py.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.catalog.importers import generate
from outings.catalog.importers.bulk import copy_insert, copy_update
from outings.catalog.importers.core import HostSpec, ListingData
from outings.catalog.importers.dates import shifted_window
from outings.catalog.importers.withdrawals import restore_withdrawn
from outings.catalog.markdown import render_markdown
from outings.catalog.models import Category, Listing
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.services import slots_for_schedule, sync_schedule_slots

# Fields copied from ListingData to Listing as they are (tuples become lists for ArrayFields).
CONTENT_FIELDS = (
    "title", "summary", "description", "tags", "content_language", "languages",
    "duration_minutes", "price_amount", "currency", "address", "city", "country_code",
    "latitude", "longitude", "time_zone", "image_url", "source_url", "license", "kind",
    "generated_fields",
)  # fmt: skip
# What an import writes that may also be edited here, and is then kept (see _merge).
MERGED_FIELDS = (*CONTENT_FIELDS, "host_id", "category_id")
# What the merge reads of a listing as it is.
MERGE_READS = (
    "id",
    "source_id",
    "imported_digests",
    "version",
    "updated_at",
    "description_html",
    "status",  # never written by an update; an archived listing is not updated at all
    *MERGED_FIELDS,
)
# What an update rewrites: never the status (staff may have paused a listing), nor the identity.
UPDATE_FIELDS = [
    *MERGED_FIELDS, "description_html", "content_hash", "imported_digests", "version", "updated_at",
    "source_id",  # a listing taken over from its legacy id gets its stable one
]  # fmt: skip
SCHEDULE_FIELDS = ["weekdays", "start_times", "valid_from", "valid_until", "capacity"]
SLOT_BATCH = 5_000


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    restored: int = 0  # withdrawn listings whose item is back: published again
    archived: int = 0  # changed rows of archived listings: left as they are (also unchanged)
    kept: Counter[str] = field(default_factory=Counter)  # fields edited here, by name


def field_digest(value: object) -> str:
    """A short digest of one field's value, as the model holds it. Line ends count as one kind:
    a browser sends a textarea's lines with CRLF, so a staff save that changed another field
    must not make the description look edited."""
    if isinstance(value, str):
        value = value.replace("\r\n", "\n")
    text = json.dumps(value, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


class Writer:
    """Writes the batches of one run. Keeps the host and category ids it has seen, so each
    batch costs a few queries whatever its size."""

    def __init__(self, *, today: date) -> None:
        self.today = today
        self.host_ids: dict[str, int] = {}
        self.hosts_created = 0
        self.category_ids: dict[str, int] = dict(Category.objects.values_list("slug", "id"))

    @transaction.atomic
    def write(self, batch: Sequence[ListingData]) -> BatchResult:
        """Create the new rows of one source, update the changed ones, count the others."""
        result = BatchResult()
        if not batch:
            return result
        self._ensure_hosts(row.host for row in batch)
        existing = self._existing(batch)
        created: list[tuple[ListingData, Listing]] = []
        changed: list[tuple[ListingData, Listing]] = []
        withdrawn: list[int] = []
        for row in batch:
            digest = row.content_hash()
            found = existing.get(row.source_id) or existing.get(f"legacy:{row.legacy_id}")
            if found is not None and found[2]:
                withdrawn.append(found[0])
            if found is None:
                created.append((row, self._listing(row, digest)))
            elif found[1] == digest:
                result.unchanged += 1
            else:
                listing = self._listing(row, digest)
                listing.pk = found[0]
                changed.append((row, listing))
        retimed: set[int] = set()  # listings whose zone or duration changed
        written: set[int] = set()  # listings with a field of their own changed
        updated = self._merge(changed, result, retimed, written, withdrawn=withdrawn)
        _insert_listings([listing for _, listing in created])
        copy_update([listing for _, listing in updated], UPDATE_FIELDS)  # locked by _merge
        # Locked by _merge too, as their dates are only after: listing first, then its dates.
        result.restored = restore_withdrawn(withdrawn)
        rescheduled = self._write_schedules(created, updated, retimed)
        result.created = len(created)
        # A listing whose only change is when it meets (its schedule's times, days, window or
        # capacity) was updated too: its rule was rewritten and its dates moved.
        result.updated += len(written | rescheduled)
        result.unchanged += len(updated) - len(written | rescheduled)
        return result

    def _existing(self, batch: Sequence[ListingData]) -> dict[str, tuple[int, str, bool]]:
        """(id, content hash, withdrawn by the importer) of the batch's listings, by source id;
        a listing still named by a row's legacy id under "legacy:<id>"."""
        source = batch[0].source
        wanted = [row.source_id for row in batch]
        legacy = [row.legacy_id for row in batch if row.legacy_id]
        rows = Listing.objects.filter(source=source).filter(
            Q(source_id__in=wanted) | Q(source_id__in=legacy)
        )
        found: dict[str, tuple[int, str, bool]] = {}
        names = set(wanted)
        for source_id, pk, digest, withdrawn_at, status in rows.values_list(
            "source_id", "id", "content_hash", "withdrawn_at", "status"
        ):
            key = source_id if source_id in names else f"legacy:{source_id}"
            withdrawn = withdrawn_at is not None and status == Listing.Status.PAUSED
            found[key] = (pk, digest, withdrawn)
        return found

    def _merge(
        self,
        changed: Sequence[tuple[ListingData, Listing]],
        result: BatchResult,
        retimed: set[int],
        written: set[int],
        *,
        withdrawn: Sequence[int],
    ) -> list[tuple[ListingData, Listing]]:
        """The rows of existing listings that need writing, merged with the listings as they
        are: a field edited here since the importer last wrote it keeps its value (counted in
        `result.kept`) unless the source now says the same; the ids of those with a field the
        source changed are added to `written` (the others write only their records, and their
        schedule if it changed). An archived listing is final, as for its host and staff: it is
        left as it is (counted unchanged, and in `result.archived`). The listings are locked
        first, in id order, as the admin locks the one it saves: an edit is seen, never
        overwritten, nor an archiving missed.

        The `withdrawn` listings the batch brings back are locked in the same statement: every
        listing the batch may write is then locked before any of their dates (the house order,
        docs/bookings.md), whatever the re-sync of a schedule or the return locks after."""
        locked = {listing.pk for _, listing in changed} | set(withdrawn)
        current = {
            values["id"]: values
            for values in Listing.objects.filter(pk__in=sorted(locked))
            .order_by("pk")
            .select_for_update(no_key=True)
            .values(*MERGE_READS)
        }
        now = timezone.now()
        updated: list[tuple[ListingData, Listing]] = []
        for row, listing in changed:
            here = current[listing.pk]
            if here["status"] == Listing.Status.ARCHIVED:
                result.unchanged += 1
                result.archived += 1
                continue
            recorded: dict[str, str] = here["imported_digests"]  # empty: imported before records
            changes = False
            for name in MERGED_FIELDS:
                ours, theirs = field_digest(here[name]), listing.imported_digests[name]
                if ours == theirs:
                    continue
                if ours != recorded.get(name, ours):  # edited here since the import wrote it
                    setattr(listing, name, here[name])
                    result.kept[name.removesuffix("_id")] += 1
                else:
                    changes = True
            changes = changes or here["source_id"] != listing.source_id  # taken over
            if any(
                getattr(listing, name) != here[name] for name in ("time_zone", "duration_minutes")
            ):
                retimed.add(listing.pk)
            listing.description_html = here["description_html"]
            description = field_digest(listing.description) != field_digest(here["description"])
            if description and here["description_html"]:
                # The page shows description_html when set (an admin save renders it): keep the
                # two in step, as the admin does.
                listing.description_html = render_markdown(listing.description)
            if changes:
                listing.version, listing.updated_at = here["version"] + 1, now
                written.add(listing.pk)
            else:  # no field changed but edited here: the records (and the schedule) are written
                listing.version, listing.updated_at = here["version"], here["updated_at"]
            updated.append((row, listing))
        return updated

    def materialise_slots(self, source: str) -> int:
        """Add the slots the source's demo schedules are missing from today to the horizon, with
        their exceptions applied (a listing staff gave to a host keeps its demo schedule, which
        the host may change by the day). Existing slots (same listing and start) are left as
        they are, seats taken and all. An archived listing gets none (archiving is final)."""
        horizon = settings.SLOT_HORIZON_DAYS
        # A day's margin each side: local dates in any zone fall inside these UTC bounds.
        lower = datetime.combine(self.today - timedelta(days=1), time(), tzinfo=UTC)
        upper = datetime.combine(self.today + timedelta(days=horizon + 2), time(), tzinfo=UTC)
        existing = set(
            Slot.objects.filter(
                listing__source=source, starts_at__gte=lower, starts_at__lt=upper
            ).values_list("listing_id", "starts_at")
        )
        schedules = (
            Schedule.objects.filter(listing__source=source, is_demo=True)
            .exclude(listing__status=Listing.Status.ARCHIVED)  # final: as the periodic run
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=self.today))
            .select_related("listing")
            .only(*SCHEDULE_FIELDS, "listing", "listing__time_zone", "listing__duration_minutes")
            .prefetch_related("exceptions")  # a day its host cancelled or moved stays so
            .order_by("pk")
        )
        created = 0
        pending: list[Slot] = []
        for schedule in schedules.iterator(chunk_size=2_000):
            slots = slots_for_schedule(
                schedule=schedule,
                today=self.today,
                horizon_days=horizon,
                duration=timedelta(minutes=schedule.listing.slot_minutes),
            )
            pending.extend(s for s in slots if (s.listing_id, s.starts_at) not in existing)
            if len(pending) >= SLOT_BATCH:
                created += _insert_slots(pending)
                pending = []
        return created + _insert_slots(pending)

    def _listing(self, row: ListingData, digest: str) -> Listing:
        values = {name: getattr(row, name) for name in CONTENT_FIELDS}
        for name in ("tags", "languages", "generated_fields"):
            values[name] = list(values[name])
        listing = Listing(
            **values,
            host_id=self.host_ids[generate.host_username(row.host.key)],
            category_id=self._category_id(row.category),
            status=Listing.Status.PUBLISHED,
            source=row.source,
            source_id=row.source_id,
            is_demo=True,
            content_hash=digest,
        )
        listing.imported_digests = {
            name: field_digest(getattr(listing, name)) for name in MERGED_FIELDS
        }
        return listing

    def _category_id(self, slug: str) -> int:
        if slug not in self.category_ids:
            # The data migration creates every slug; this only runs on a database without it.
            category, _ = Category.objects.get_or_create(slug=slug)
            self.category_ids[slug] = category.pk
        return self.category_ids[slug]

    def _ensure_hosts(self, specs: Iterable[HostSpec]) -> None:
        """Find or create (in bulk) the demo host of every spec: a user with an unusable
        password and an example.org address, and a host profile marked as demo data."""
        wanted = {generate.host_username(spec.key): spec for spec in specs}
        missing = [name for name in wanted if name not in self.host_ids]
        if not missing:
            return
        self.host_ids.update(
            HostProfile.objects.filter(user__username__in=missing).values_list(
                "user__username", "id"
            )
        )
        missing = [name for name in missing if name not in self.host_ids]
        if not missing:
            return
        user_ids = dict(User.objects.filter(username__in=missing).values_list("username", "id"))
        users = [
            User(
                username=name,
                email=f"{name}@example.org",
                password=make_password(None),
                first_name=wanted[name].display_name[:150],
            )
            for name in missing
            if name not in user_ids
        ]
        User.objects.bulk_create(users)
        user_ids.update((user.username, user.pk) for user in users)
        profiles = [
            HostProfile(
                user_id=user_ids[name],
                display_name=wanted[name].display_name[:120],
                city=wanted[name].city[:120],
                languages=list(wanted[name].languages),
                is_demo=True,
            )
            for name in missing
        ]
        HostProfile.objects.bulk_create(profiles)
        self.host_ids.update(
            (name, profile.pk) for name, profile in zip(missing, profiles, strict=True)
        )
        self.hosts_created += len(profiles)

    def _write_schedules(
        self,
        created: Sequence[tuple[ListingData, Listing]],
        updated: Sequence[tuple[ListingData, Listing]],
        retimed: set[int],
    ) -> set[int]:
        """One demo schedule per experience: new for created listings; for updated ones (never
        archived: _merge leaves those alone) the existing demo schedule is rewritten in place
        (slots already made stay as they are). The ids of the updated listings whose schedule
        was rewritten."""
        current = {
            schedule.listing_id: schedule
            for schedule in Schedule.objects.filter(
                listing_id__in=[listing.pk for _, listing in updated], is_demo=True
            ).order_by("-pk")
        }
        to_create: list[Schedule] = []
        to_update: list[Schedule] = []
        resync: list[Schedule] = []
        for row, listing in [*created, *updated]:
            if row.schedule is None:
                continue
            valid_from, valid_until = shifted_window(
                row.schedule,
                today=self.today,
                extra_weeks=generate.shift_weeks(row.source, row.source_id),
            )
            schedule = current.get(listing.pk) or Schedule(listing_id=listing.pk, is_demo=True)
            before = _rule(schedule) if schedule.pk else None
            capacity = schedule.capacity
            schedule.weekdays = list(row.schedule.weekdays)
            schedule.start_times = list(row.schedule.start_times)
            schedule.valid_from = valid_from
            schedule.valid_until = valid_until
            schedule.capacity = row.schedule.capacity
            if before is None:
                to_create.append(schedule)
            elif before != _rule(schedule) or capacity != schedule.capacity:
                # A new version, as a host's edit makes: an edit based on the rule before the
                # import is refused (ScheduleConflict, a 412 with If-Match), not written over
                # it. Read under the listing's lock, which every edit of its rules takes first.
                schedule.version += 1
                to_update.append(schedule)  # a listing's other changes leave it as it is
            if before is not None and (before != _rule(schedule) or listing.pk in retimed):
                schedule.listing = listing
                resync.append(schedule)
        Schedule.objects.bulk_create(to_create)
        copy_update(to_update, [*SCHEDULE_FIELDS, "version"])
        # Dates already made at the old times (or with the old length) would stay on sale next
        # to the new ones: bring them in line as a host's change does, keeping booked ones.
        now = timezone.now()
        for schedule in resync:
            sync_schedule_slots(
                schedule=schedule,
                now=now,
                horizon_days=settings.SCHEDULE_HORIZON_DAYS,
                strict=False,
            )
        return {schedule.listing_id for schedule in to_update}


def _rule(schedule: Schedule) -> tuple[object, ...]:
    """What decides when a schedule's dates are."""
    return (
        tuple(schedule.weekdays),
        tuple(schedule.start_times),
        schedule.valid_from,
        schedule.valid_until,
    )


def _insert_listings(listings: Sequence[Listing]) -> None:
    """Insert new listings (through COPY, see bulk.py) and set their ids."""
    ids = dict(copy_insert(listings, returning=["source_id", "id"]))
    for listing in listings:
        listing.pk = ids[listing.source_id]
        listing._state.adding = False


def _insert_slots(slots: list[Slot]) -> int:
    # ignore_conflicts covers a slot made meanwhile by another process (unique listing+start).
    return len(copy_insert(slots, ignore_conflicts=True, returning=["id"]))
