"""The importer withdraws a listing that left its source while staff give it to another host in
the listing admin, at that instant.

Withdrawal locked the listings with a JOIN of their host (only a demo host's listing is the
importer's to withdraw; one staff gave to a real host is theirs). Under READ COMMITTED,
PostgreSQL rechecks a row that changed while the lock waited against the host row the
statement had already read: a listing given to another demo host (still the importer's) no
longer joined its old host and dropped out of the result, so it stayed on sale although it
left the source. The listing is now locked by a statement that reads it alone, and whether it
is still a demo host's is read after the lock: given to another demo host, it is withdrawn;
given to a real host, it is left to them, as before."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.db.models import F

from outings.catalog.importers.withdrawals import withdraw_missing
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.tests.connections import in_thread, until_waiting

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]

Status = Listing.Status


def while_given(listing: Listing, *, to_demo: bool, work: Callable[[], Any]) -> Any:
    """`work` run while staff's move of `listing` to a new host (a demo one or not) holds its
    row; the move commits while `work` waits for it. What `work` returned (or raised)."""
    new_host = HostProfileFactory.create(is_demo=to_demo)
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the listing admin's save: the row locked until it commits
        Listing.objects.filter(pk=listing.pk).update(host=new_host, version=F("version") + 1)
        thread = in_thread(outcome, "work", work)
        until_waiting(1)
    thread.join(timeout=10)
    return outcome["work"]


def published() -> Listing:
    return ListingFactory.create(
        host=HostProfileFactory.create(is_demo=True),
        status=Status.PUBLISHED,
        source="toronto",
        source_id="evt0",
        is_demo=True,
    )


@pytest.mark.parametrize(
    ("to_demo", "withdrawn", "status"),
    [(True, 1, Status.PAUSED), (False, 0, Status.PUBLISHED)],
    ids=["another demo host: withdrawn", "a real host: theirs, left alone"],
)
def test_a_listing_given_to_another_host_while_the_withdrawal_waits_is_decided_on_its_new_host(
    to_demo: bool, withdrawn: int, status: str
) -> None:
    listing = published()

    done = while_given(
        listing, to_demo=to_demo, work=lambda: withdraw_missing(source="toronto", present=set())
    )

    assert done == withdrawn
    assert Listing.objects.get(pk=listing.pk).status == status
