"""Withdrawals: a listing whose item is no longer in the source is withdrawn (paused,
`withdrawn_at` set) after a full read of the file (`withdraw_missing`), and published again when
the item comes back (`restore_withdrawn`, from the writer's batch that brings it). Only a
listing that is still its demo host's: one staff gave to a real host is theirs."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.services.listings import move_listings

WITHDRAW_BATCH = 1_000


def _locked(ids: Sequence[int], still: Q) -> list[Listing]:
    """The listings of `ids` that are still as `still` says (a demo host's, in a state),
    locked as every change of a listing locks it (`FOR NO KEY UPDATE`, in id order), with what
    move_listings reads. The lock is taken by a statement that reads the listings alone and
    `still` is read after it. Locked with a JOIN of their host (`host__is_demo`), a listing
    staff gave to another demo host while the lock waited dropped out of the result (PostgreSQL
    rechecks the changed row against the host row it had read: docs/architecture.md, "Row
    locks taken with a JOIN"), and stayed on sale although it left the source."""
    list(
        Listing.objects.filter(pk__in=ids)
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk", flat=True)
    )
    return list(
        Listing.objects.filter(still, pk__in=ids)
        .order_by("pk")
        .only("id", "host_id", "status", "version")
    )


def restore_withdrawn(listing_ids: Sequence[int]) -> int:
    """Publish again the listings the importer withdrew whose item is back in the source (a
    pause by staff has no `withdrawn_at` and stays; a listing staff gave to a real host is
    theirs to publish). Under their row locks, with an audit entry each; the bookings app is
    told they are bookable again."""
    if not listing_ids:
        return 0
    restored = _locked(
        listing_ids,
        Q(status=Listing.Status.PAUSED, withdrawn_at__isnull=False, host__is_demo=True),
    )
    move_listings(
        listings=restored,
        to=Listing.Status.PUBLISHED,
        action="restored",
        actor=None,
        now=timezone.now(),
        note="back in the source",
    )
    return len(restored)


@transaction.atomic
def withdraw_missing(*, source: str, present: set[str]) -> int:
    """Withdraw the source's published listings whose item `present` (every source id of a
    full read of the file) no longer has: paused, `withdrawn_at` set, under their row locks,
    with an audit entry each; their open pages are told they are gone. Existing bookings stand,
    as with any pause. A listing whose host is no longer its demo host (staff gave it to a real
    host) is theirs now and stays. A few statements per WITHDRAW_BATCH listings."""
    candidates = Listing.objects.filter(
        source=source, status=Listing.Status.PUBLISHED, host__is_demo=True
    ).values_list("pk", "source_id")
    gone = [pk for pk, source_id in candidates.iterator() if source_id not in present]
    withdrawn = 0
    now = timezone.now()
    for start in range(0, len(gone), WITHDRAW_BATCH):
        # Checked again under the lock: a listing paused or given to a real host meanwhile.
        locked = _locked(
            gone[start : start + WITHDRAW_BATCH],
            Q(status=Listing.Status.PUBLISHED, host__is_demo=True),
        )
        move_listings(
            listings=locked,
            to=Listing.Status.PAUSED,
            action="withdrawn",
            actor=None,
            now=now,
            note="no longer in the source",
            withdrawn=True,
        )
        withdrawn += len(locked)
    return withdrawn
