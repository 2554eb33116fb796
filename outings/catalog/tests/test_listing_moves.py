"""What a listing's change of state does, whoever makes it: a host pausing or resuming, staff
approving, the importer withdrawing a listing whose item left the source and publishing it again
when the item comes back. Each sets the status, moves the version, writes an audit entry, and, in
the same transaction, a `catalog.listing.bookable` outbox message when the listing becomes
published; a listing that leaves published has its open pages told it is gone, after commit."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from outings.accounts.models import HostProfile
from outings.bookings import services as booking_services
from outings.bookings.models import Booking
from outings.bookings.selectors import upcoming_for_guest
from outings.catalog import events, services
from outings.catalog.importers.run import SOURCES
from outings.catalog.importers.withdrawals import withdraw_missing
from outings.catalog.models import AuditEntry, Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.catalog.tests.test_import import EVENT_HEADER, import_file, toronto_row, write_csv_gz
from outings.common.errors import NotFound
from outings.common.models import OutboxMessage
from outings.common.tests.queries import statements_of
from outings.notifications import live
from outings.notifications.tests.test_inbox import listen as listen_to
from outings.notifications.tests.test_inbox import received

pytestmark = pytest.mark.django_db

Status = Listing.Status
AUDITED = ("listing_id", "host_id", "actor_id", "action", "from_status", "to_status", "note")


@pytest.fixture(autouse=True)
def _in_memory_channel_layer() -> Iterator[None]:
    """One process: the in-memory layer shows what was published, and when."""
    with override_settings(
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    ):
        yield


@pytest.fixture(autouse=True)
def _short_horizon(settings):
    settings.SLOT_HORIZON_DAYS = 28


def listen(listing: Listing) -> str:
    return listen_to(live.listing_group(listing.pk))


def bookable_messages() -> list[dict[str, object]]:
    return list(
        OutboxMessage.objects.filter(kind=events.BOOKABLE)
        .order_by("pk")
        .values_list("payload", flat=True)
    )


def demo_listings(n: int, *, source: str = "toronto") -> list[Listing]:
    host = HostProfileFactory.create(is_demo=True)
    return [
        ListingFactory.create(
            host=host, status=Status.PUBLISHED, source=source, source_id=f"evt{i}", is_demo=True
        )
        for i in range(n)
    ]


class RolledBack(Exception):
    pass


def rolled_back(action: Callable[[], object]) -> None:
    """Run `action` in a transaction (a savepoint of the test's) that then rolls back."""
    with transaction.atomic():
        action()
        raise RolledBack


def state(listing: Listing) -> tuple[str, int, bool]:
    listing.refresh_from_db()
    return listing.status, listing.version, listing.withdrawn_at is not None


# --- The importer --------------------------------------------------------------------------


def test_the_importer_withdraws_what_left_the_source_and_tells_open_pages_after_commit(
    django_capture_on_commit_callbacks,
):
    kept, gone = demo_listings(2)
    paused = ListingFactory.create(
        host=kept.host, status=Status.PAUSED, source="toronto", source_id="evt-paused"
    )
    theirs = ListingFactory.create(status=Status.PUBLISHED, source="toronto", source_id="evt-x")
    channels = {listing.pk: listen(listing) for listing in (kept, gone, paused, theirs)}
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = withdraw_missing(source="toronto", present={kept.source_id})
        assert received(channels[gone.pk]) == []  # not before commit

    assert withdrawn == 1
    assert state(gone) == (Status.PAUSED, 2, True)
    assert gone.updated_at >= before
    assert gone.withdrawn_at is not None
    assert gone.withdrawn_at >= before
    assert list(AuditEntry.objects.values_list(*AUDITED)) == [
        (gone.pk, gone.host_id, None, "withdrawn", "published", "paused", "no longer in the source")
    ]
    assert bookable_messages() == []
    assert received(channels[gone.pk]) == [{"type": "gone", "listing": gone.pk}]
    for other in (kept, paused, theirs):
        assert received(channels[other.pk]) == []
    assert state(kept) == (Status.PUBLISHED, 1, False)
    assert state(paused) == (Status.PAUSED, 1, False)
    assert state(theirs) == (Status.PUBLISHED, 1, False)  # a real host's: never withdrawn


def test_a_withdrawal_rolled_back_leaves_nothing_behind_and_tells_nobody(
    django_capture_on_commit_callbacks,
):
    (gone,) = demo_listings(1)
    channel = listen(gone)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RolledBack):
        rolled_back(lambda: withdraw_missing(source="toronto", present=set()))

    assert callbacks == []
    assert state(gone) == (Status.PUBLISHED, 1, False)
    assert not AuditEntry.objects.exists()
    assert received(channel) == []


def withdraw_and_come_back(tmp_path: Path) -> tuple[Listing, Path, list[dict[str, str] | bytes]]:
    path = tmp_path / SOURCES["toronto"].filename
    rows: list[dict[str, str] | bytes] = [
        toronto_row(),
        toronto_row(id="tor-t2", source_event_id="evt2", title="Harbour Walk"),
    ]
    write_csv_gz(path, EVENT_HEADER, rows)
    import_file(tmp_path, "toronto")
    write_csv_gz(path, EVENT_HEADER, rows[:1])
    import_file(tmp_path, "toronto")
    walk = Listing.objects.get(source_id="evt2")
    assert state(walk) == (Status.PAUSED, 2, True)
    return walk, path, rows


def test_the_importer_publishes_again_what_came_back_with_its_bookable_message_in_the_same_transaction(  # noqa: E501
    tmp_path, nudges, django_capture_on_commit_callbacks
):
    walk, path, rows = withdraw_and_come_back(tmp_path)
    AuditEntry.objects.all().delete()
    channel = listen(walk)
    write_csv_gz(path, EVENT_HEADER, rows)

    with django_capture_on_commit_callbacks(execute=True):
        report = import_file(tmp_path, "toronto")
        # Written in the import's transaction, before it commits.
        assert bookable_messages() == [{"listing": walk.pk}]
        assert nudges == []

    assert report.restored == 1
    assert state(walk) == (Status.PUBLISHED, 3, False)
    assert list(AuditEntry.objects.values_list(*AUDITED)) == [
        (walk.pk, walk.host_id, None, "restored", "paused", "published", "back in the source")
    ]
    assert nudges == ["default"]
    assert received(channel) == []  # published: nothing is gone


def test_a_restore_rolled_back_writes_no_bookable_message(tmp_path):
    walk, path, rows = withdraw_and_come_back(tmp_path)
    write_csv_gz(path, EVENT_HEADER, rows)

    with pytest.raises(RolledBack):
        rolled_back(lambda: import_file(tmp_path, "toronto"))

    assert state(walk) == (Status.PAUSED, 2, True)
    assert bookable_messages() == []


def same_statements(few: list[str], many: list[str]) -> None:
    assert len(many) == len(few), "\n".join(["3:", *few, "30:", *many])


def test_withdrawing_thirty_listings_takes_as_many_statements_as_three():
    statements = {}
    for n in (3, 30):
        source = f"source{n}"
        demo_listings(n, source=source)
        _, statements[n] = statements_of(partial(withdraw_missing, source=source, present=set()))
        assert Listing.objects.filter(source=source, status=Status.PAUSED).count() == n
        assert AuditEntry.objects.filter(listing__source=source, action="withdrawn").count() == n

    same_statements(statements[3], statements[30])


def test_publishing_thirty_listings_again_takes_as_many_statements_as_three(tmp_path):
    path = tmp_path / SOURCES["toronto"].filename
    statements = {}
    for n in (3, 30):
        Listing.objects.all().delete()
        OutboxMessage.objects.all().delete()
        rows: list[dict[str, str] | bytes] = [
            toronto_row(id=f"tor-{i}", source_event_id=f"evt{i}") for i in range(n)
        ]
        # The source keeps one item throughout: a file that imports no row withdraws nothing
        # (ba69c73), so the n are withdrawn by a file that has only that one.
        kept = toronto_row(id="tor-kept", source_event_id="kept", title="Harbour Walk")
        write_csv_gz(path, EVENT_HEADER, [*rows, kept])
        import_file(tmp_path, "toronto")
        write_csv_gz(path, EVENT_HEADER, [kept])
        import_file(tmp_path, "toronto")
        assert Listing.objects.filter(withdrawn_at__isnull=False).count() == n
        write_csv_gz(path, EVENT_HEADER, [*rows, kept])

        _, statements[n] = statements_of(partial(import_file, tmp_path, "toronto"))

        came_back = Listing.objects.exclude(source_id="kept")
        assert came_back.filter(status=Status.PUBLISHED, withdrawn_at=None).count() == n
        assert len(bookable_messages()) == n

    same_statements(statements[3], statements[30])


def test_a_withdrawn_listing_staff_gave_to_a_real_host_is_theirs_and_stays_paused(tmp_path):
    """A listing staff gave to a real host is never withdrawn; nor is it published again by the
    importer when its item comes back: whether it is on the site is its host's to say."""
    walk, path, rows = withdraw_and_come_back(tmp_path)
    owner = HostProfileFactory.create()
    Listing.objects.filter(pk=walk.pk).update(host=owner)
    write_csv_gz(path, EVENT_HEADER, rows)

    report = import_file(tmp_path, "toronto")

    assert report.restored == 0
    assert state(walk)[0] == Status.PAUSED
    assert bookable_messages() == []
    assert not AuditEntry.objects.filter(action="restored").exists()

    services.resume_listing(host=owner, listing_id=walk.pk, actor=owner.user)  # theirs to do
    assert state(walk)[:2] == (Status.PUBLISHED, 3)


def test_a_listing_its_host_resumed_is_no_longer_withdrawn_and_their_next_pause_stays(tmp_path):
    """`withdrawn_at` says the importer paused the listing. A host who resumed it (staff gave it
    to them) and paused it again paused it themselves: the importer must not publish it again,
    even once the listing is back with its demo host."""
    walk, path, rows = withdraw_and_come_back(tmp_path)
    demo_host = walk.host
    owner = HostProfileFactory.create()
    Listing.objects.filter(pk=walk.pk).update(host=owner)

    services.resume_listing(host=owner, listing_id=walk.pk, actor=owner.user)
    assert state(walk) == (Status.PUBLISHED, 3, False)
    services.pause_listing(host=owner, listing_id=walk.pk, actor=owner.user)
    Listing.objects.filter(pk=walk.pk).update(host=demo_host)  # staff give it back
    write_csv_gz(path, EVENT_HEADER, rows)
    report = import_file(tmp_path, "toronto")

    assert report.restored == 0
    assert state(walk) == (Status.PAUSED, 4, False)


def test_a_withdrawn_listing_archived_meanwhile_stays_archived_when_its_item_comes_back(
    tmp_path,
):
    walk, path, rows = withdraw_and_come_back(tmp_path)
    host = HostProfile.objects.get(pk=walk.host_id)
    services.archive_listing(host=host, listing_id=walk.pk, actor=host.user, now=timezone.now())
    write_csv_gz(path, EVENT_HEADER, rows)

    report = import_file(tmp_path, "toronto")

    assert report.restored == 0
    assert state(walk) == (Status.ARCHIVED, 3, False)
    assert bookable_messages() == []


# --- Hosts and staff -------------------------------------------------------------------------


def test_a_host_pausing_tells_open_pages_after_commit_and_writes_no_message(
    django_capture_on_commit_callbacks,
):
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host, status=Status.PUBLISHED)
    channel = listen(listing)
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        paused = services.pause_listing(host=host, listing_id=listing.pk, actor=host.user)
        assert received(channel) == []

    assert (paused.status, paused.version) == (Status.PAUSED, 2)
    assert state(listing) == (Status.PAUSED, 2, False)
    assert listing.updated_at >= before
    assert list(AuditEntry.objects.values_list(*AUDITED)) == [
        (listing.pk, host.pk, host.user.pk, "paused", "published", "paused", "")
    ]
    assert bookable_messages() == []
    assert received(channel) == [{"type": "gone", "listing": listing.pk}]


def test_a_host_resuming_writes_the_bookable_message_in_its_transaction(
    nudges, django_capture_on_commit_callbacks
):
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host, status=Status.PAUSED)
    channel = listen(listing)

    with django_capture_on_commit_callbacks(execute=True):
        resumed = services.resume_listing(host=host, listing_id=listing.pk, actor=host.user)
        assert bookable_messages() == [{"listing": listing.pk}]
        assert nudges == []

    assert (resumed.status, resumed.version) == (Status.PUBLISHED, 2)
    assert state(listing) == (Status.PUBLISHED, 2, False)
    assert list(AuditEntry.objects.values_list(*AUDITED)) == [
        (listing.pk, host.pk, host.user.pk, "resumed", "paused", "published", "")
    ]
    assert nudges == ["default"]
    assert received(channel) == []


def test_a_refused_move_writes_nothing_and_tells_nobody(django_capture_on_commit_callbacks):
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host, status=Status.PUBLISHED, version=4)
    channel = listen(listing)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.InvalidTransition),
    ):
        services.resume_listing(host=host, listing_id=listing.pk, actor=host.user)

    assert callbacks == []
    assert state(listing) == (Status.PUBLISHED, 4, False)
    assert not AuditEntry.objects.exists()
    assert bookable_messages() == []
    assert received(channel) == []


def test_staff_approving_and_a_host_archiving_a_draft_or_a_published_listing(
    django_capture_on_commit_callbacks,
):
    staff = UserFactory.create(is_staff=True, permissions=["hosting.change_listingreview"])
    host: HostProfile = HostProfileFactory.create()
    submitted = ListingFactory.create(host=host, status=Status.SUBMITTED)
    draft = ListingFactory.create(host=host, status=Status.DRAFT)
    published = ListingFactory.create(host=host, status=Status.PUBLISHED)
    channels = {listing.pk: listen(listing) for listing in (submitted, draft, published)}
    now = timezone.now() + timedelta(seconds=1)

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_listing(staff=staff, listing_id=submitted.pk, reviewed_version=1)
        services.archive_listing(host=host, listing_id=draft.pk, actor=host.user, now=now)
        services.archive_listing(host=host, listing_id=published.pk, actor=host.user, now=now)

    assert bookable_messages() == [{"listing": submitted.pk}]
    assert received(channels[submitted.pk]) == []
    assert received(channels[draft.pk]) == []
    assert received(channels[published.pk]) == [{"type": "gone", "listing": published.pk}]
    assert list(AuditEntry.objects.order_by("pk").values_list(*AUDITED)) == [
        (submitted.pk, host.pk, staff.pk, "approved", "submitted", "published", ""),
        (draft.pk, host.pk, host.user.pk, "archived", "draft", "archived", ""),
        (published.pk, host.pk, host.user.pk, "archived", "published", "archived", ""),
    ]
    assert [state(x)[:2] for x in (submitted, draft, published)] == [
        (Status.PUBLISHED, 2),
        (Status.ARCHIVED, 2),
        (Status.ARCHIVED, 2),
    ]


def test_bookings_on_a_withdrawn_listing_stand_and_no_new_one_is_taken():
    """As with any pause (docs/data-import.md): the guest keeps a confirmed booking and its seats;
    nobody can book the listing until it is published again."""
    (gone,) = demo_listings(1)
    slot = SlotFactory.create(
        listing=gone, capacity=4, starts_at=timezone.now() + timedelta(days=3)
    )
    guest = UserFactory.create()
    now = timezone.now()
    held = booking_services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    booking_services.confirm_booking(guest=guest, reference=held.reference, now=now)

    withdraw_missing(source="toronto", present=set())

    held.refresh_from_db()
    slot.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert slot.seats_taken == 2
    assert list(upcoming_for_guest(guest=guest, now=now)) == [held]
    with pytest.raises(NotFound):
        booking_services.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=1, now=now)
