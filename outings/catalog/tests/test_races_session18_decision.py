"""Staff decide about a listing (approve it, send it back) while another staff member gives it to
another host in the listing admin, at that instant.

The decision locked the listing with its host and the host's user in one statement (a JOIN,
FOR NO KEY UPDATE OF the listing only: session 17, one query fewer). Under READ COMMITTED,
PostgreSQL rechecks a row that changed while the lock waited against the rows of the other
tables the statement had already read: the listing, now the new host's, no longer joined the old
host's row and dropped out of the result, and the decision answered "not found" for a listing
that exists (a retry worked). It now decides on the listing as it is after the move: approved
or sent back, the new host told, or refused with why (the version staff reviewed is gone)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.db.models import F

from outings.accounts.models import User
from outings.catalog import services
from outings.catalog.models import Listing
from outings.catalog.services.errors import ListingConflict
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    UserFactory,
    category,
)
from outings.common.tests.connections import in_thread, until_waiting
from outings.hosting.tests.fixtures import listing_data
from outings.notifications.models import Notification

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]

Status = Listing.Status

DECISIONS: dict[str, tuple[Callable[[User, Listing], Listing], str, str]] = {
    "approve": (
        lambda staff, listing: services.approve_listing(staff=staff, listing_id=listing.pk),
        Status.PUBLISHED,
        Notification.Kind.LISTING_APPROVED,
    ),
    "reject": (
        lambda staff, listing: services.reject_listing(
            staff=staff, listing_id=listing.pk, reason="Say where to meet."
        ),
        Status.DRAFT,
        Notification.Kind.LISTING_REJECTED,
    ),
}


def decided_while_moved(decide: Callable[[User, Listing], Any]) -> tuple[Listing, User, Any]:
    """`decide` on a submitted listing whose row another staff member's move to a new host holds
    locked; the move commits while the decision waits for it. The listing, the new host's user
    and what the decision returned (or raised)."""
    staff = UserFactory.create(is_staff=True, permissions=["hosting.change_listingreview"])
    listing = ListingFactory.create(status=Status.SUBMITTED, title="Harbour walk")
    new_host = HostProfileFactory.create()
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the listing admin's save: the row locked until it commits
        Listing.objects.filter(pk=listing.pk).update(host=new_host, version=F("version") + 1)
        decision = in_thread(outcome, "decision", lambda: decide(staff, listing))
        until_waiting(1)
    decision.join(timeout=10)
    return listing, new_host.user, outcome["decision"]


@pytest.mark.parametrize("name", sorted(DECISIONS))
def test_a_decision_waiting_for_a_move_to_another_host_is_made_and_the_new_host_told(
    name: str,
) -> None:
    decide, status, kind = DECISIONS[name]

    listing, new_user, decided = decided_while_moved(decide)

    assert isinstance(decided, Listing), decided
    assert Listing.objects.get(pk=listing.pk).status == status
    told = Notification.objects.filter(kind=kind).values_list("user_id", flat=True)
    assert list(told) == [new_user.pk]


def test_an_approval_of_the_reviewed_version_waiting_for_a_move_is_refused_as_changed() -> None:
    """The move made a new version: what staff reviewed is not what would go live."""
    listing, _new_user, refused = decided_while_moved(
        lambda staff, listing: services.approve_listing(
            staff=staff, listing_id=listing.pk, reviewed_version=listing.version
        )
    )

    assert isinstance(refused, ListingConflict), refused
    assert Listing.objects.get(pk=listing.pk).status == Status.SUBMITTED
    assert not Notification.objects.exists()


def test_a_hosts_edit_waiting_for_staffs_new_category_is_refused_as_changed_not_gone() -> None:
    """The same JOIN in a host's edit (update_listing read the listing with its category under
    the lock): staff moving it to another category in the admin at that instant made the host's
    own listing answer NotFound (a 404 on their edit page) instead of the conflict it is."""
    listing = ListingFactory.create(category=category("tours"))
    host = listing.host
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the listing admin's save: the row locked until it commits
        Listing.objects.filter(pk=listing.pk).update(
            category=category("food"), version=F("version") + 1
        )
        edit = in_thread(
            outcome,
            "edit",
            lambda: services.update_listing(
                host=host,
                listing_id=listing.pk,
                expected_version=listing.version,
                data=listing_data(title="Harbour walk at dusk"),
                actor=host.user,
            ),
        )
        until_waiting(1)
    edit.join(timeout=10)

    assert isinstance(outcome["edit"], ListingConflict), outcome["edit"]
    assert Listing.objects.get(pk=listing.pk).title == listing.title
