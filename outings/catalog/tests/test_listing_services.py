import threading
from datetime import UTC, date, datetime, time

import pytest
from django.db import connection
from django.utils import timezone

from outings.accounts.models import HostProfile
from outings.catalog import services
from outings.catalog.models import AuditEntry, Listing
from outings.catalog.services import (
    HostSuspended,
    InvalidListing,
    InvalidTransition,
    ListingConflict,
    StaffOnly,
)
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.common.errors import NotFound
from outings.hosting.tests.fixtures import listing_data
from outings.scheduling import services as schedule_services
from outings.scheduling.rules import ScheduleData

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]

Status = Listing.Status


@pytest.fixture
def host():
    return HostProfileFactory.create()


@pytest.fixture
def staff():
    return UserFactory.create(is_staff=True, permissions=["hosting.change_listingreview"])


def test_a_new_listing_is_a_draft_with_rendered_description_and_zone_from_its_point(host):
    listing = services.create_listing(host=host, data=listing_data(), actor=host.user)

    assert listing.status == Status.DRAFT
    assert listing.version == 1
    assert listing.description_html == "<p>We walk <strong>slowly</strong>.</p>\n"
    assert listing.time_zone == "Europe/Berlin"
    assert (listing.min_group_size, listing.max_group_size) == (1, 8)
    assert listing.cancellation_policy == "moderate"
    assert list(AuditEntry.objects.values_list("action", "from_status", "to_status")) == [
        ("created", "", "draft")
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"category": "nope"}, "category"),
        ({"currency": "XYZ"}, "currency"),
        ({"price_amount": -1}, "price_amount"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"min_group_size": 5, "max_group_size": 2}, "max_group_size"),
        ({"languages": ["klingon"]}, "languages"),
        ({"languages": []}, "languages"),
        ({"tags": ["x" * 61]}, "tags"),
        ({"latitude": 91.0}, "latitude"),
        ({"longitude": float("nan")}, "longitude"),
        ({"country_code": "Deutschland"}, "country_code"),
        ({"cancellation_policy": "lenient"}, "cancellation_policy"),
        ({"summary": "nul\x00byte"}, "summary"),
        ({"address": ""}, "address"),
    ],
)
def test_it_refuses_each_invalid_field_and_stores_nothing(host, overrides, field):
    with pytest.raises(InvalidListing) as caught:
        services.create_listing(host=host, data=listing_data(**overrides), actor=host.user)

    assert field in caught.value.fields
    assert not Listing.objects.exists()
    assert not AuditEntry.objects.exists()


def test_an_edit_on_the_current_version_applies_and_moves_the_version(host):
    listing = services.create_listing(host=host, data=listing_data(), actor=host.user)

    edited = services.update_listing(
        host=host,
        listing_id=listing.pk,
        expected_version=1,
        data=listing_data(title="Harbour walk at dawn", price_amount=3000),
        actor=host.user,
    )

    assert (edited.title, edited.price_amount, edited.version) == ("Harbour walk at dawn", 3000, 2)
    entry = AuditEntry.objects.filter(action="edited").get()
    assert entry.note == "title, price_amount"


def test_an_edit_on_an_old_version_is_refused_with_the_current_values(host):
    listing = services.create_listing(host=host, data=listing_data(), actor=host.user)
    services.update_listing(
        host=host,
        listing_id=listing.pk,
        expected_version=1,
        data=listing_data(title="First editor"),
        actor=host.user,
    )

    with pytest.raises(ListingConflict) as caught:
        services.update_listing(
            host=host,
            listing_id=listing.pk,
            expected_version=1,
            data=listing_data(title="Second editor"),
            actor=host.user,
        )

    assert caught.value.current.title == "First editor"
    assert caught.value.current.version == 2
    listing.refresh_from_db()
    assert (listing.title, listing.version) == ("First editor", 2)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_editors_never_lose_an_update():
    host = HostProfileFactory.create()
    listing = services.create_listing(host=host, data=listing_data(), actor=host.user)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def edit(title: str) -> None:
        try:
            barrier.wait()
            services.update_listing(
                host=host,
                listing_id=listing.pk,
                expected_version=1,
                data=listing_data(title=title),
                actor=host.user,
            )
            outcomes[title] = "saved"
        except ListingConflict:
            outcomes[title] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(t,)) for t in ("Editor A", "Editor B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(title for title, outcome in outcomes.items() if outcome == "saved")
    listing.refresh_from_db()
    assert (listing.title, listing.version) == (winner, 2)
    assert AuditEntry.objects.filter(action="edited").count() == 1


def test_another_hosts_listing_is_not_found(host):
    other = ListingFactory.create(status=Status.DRAFT)

    with pytest.raises(NotFound):
        services.update_listing(
            host=host, listing_id=other.pk, expected_version=1, data=listing_data(), actor=host.user
        )
    with pytest.raises(NotFound):
        services.submit_listing(host=host, listing_id=other.pk, actor=host.user)


def test_the_life_of_a_listing_is_audited_step_by_step(host, staff):
    listing = services.create_listing(host=host, data=listing_data(), actor=host.user)
    services.submit_listing(host=host, listing_id=listing.pk, actor=host.user)
    services.reject_listing(staff=staff, listing_id=listing.pk, reason="Add a photo")
    rejected = Listing.objects.get(pk=listing.pk)
    services.submit_listing(host=host, listing_id=listing.pk, actor=host.user)
    services.approve_listing(staff=staff, listing_id=listing.pk)
    services.pause_listing(host=host, listing_id=listing.pk, actor=host.user)
    services.resume_listing(host=host, listing_id=listing.pk, actor=host.user)
    final = services.archive_listing(
        host=host, listing_id=listing.pk, actor=host.user, now=timezone.now()
    )

    assert (rejected.status, rejected.rejection_reason) == (Status.DRAFT, "Add a photo")
    assert final.status == Status.ARCHIVED
    assert final.rejection_reason == ""
    steps = list(
        AuditEntry.objects.order_by("id").values_list("action", "from_status", "to_status")
    )
    assert steps == [
        ("created", "", "draft"),
        ("submitted", "draft", "submitted"),
        ("rejected", "submitted", "draft"),
        ("submitted", "draft", "submitted"),
        ("approved", "submitted", "published"),
        ("paused", "published", "paused"),
        ("resumed", "paused", "published"),
        ("archived", "published", "archived"),
    ]
    assert AuditEntry.objects.get(action="approved").actor == staff


def test_submitting_publishes_at_once_when_approval_is_switched_off(host, settings):
    settings.LISTING_APPROVAL_REQUIRED = False
    listing = services.create_listing(host=host, data=listing_data(), actor=host.user)

    submitted = services.submit_listing(host=host, listing_id=listing.pk, actor=host.user)

    assert submitted.status == Status.PUBLISHED
    assert Listing.objects.public().filter(pk=listing.pk).exists()


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (Status.PUBLISHED, "submit"),
        (Status.DRAFT, "pause"),
        (Status.DRAFT, "resume"),
        (Status.ARCHIVED, "archive"),
    ],
)
def test_a_step_that_does_not_follow_from_the_state_is_refused(host, status, step):
    listing = ListingFactory.create(host=host, status=status)
    action = getattr(services, f"{step}_listing")
    extra = {"now": timezone.now()} if step == "archive" else {}

    with pytest.raises(InvalidTransition):
        action(host=host, listing_id=listing.pk, actor=host.user, **extra)

    listing.refresh_from_db()
    assert listing.status == status
    assert not AuditEntry.objects.exists()


def test_a_listing_needs_a_summary_and_description_to_be_submitted(host):
    listing = services.create_listing(
        host=host, data=listing_data(summary="", description=""), actor=host.user
    )

    with pytest.raises(InvalidListing) as caught:
        services.submit_listing(host=host, listing_id=listing.pk, actor=host.user)

    assert set(caught.value.fields) == {"summary", "description"}


def test_only_staff_approve(host):
    listing = ListingFactory.create(host=host, status=Status.SUBMITTED)

    with pytest.raises(StaffOnly):
        services.approve_listing(staff=host.user, listing_id=listing.pk)

    listing.refresh_from_db()
    assert listing.status == Status.SUBMITTED


def test_a_listing_with_upcoming_bookings_cannot_be_archived(host):
    listing = ListingFactory.create(host=host)
    SlotFactory.create(listing=listing, seats_taken=2)

    with pytest.raises(InvalidTransition):
        services.archive_listing(
            host=host, listing_id=listing.pk, actor=host.user, now=timezone.now()
        )


def test_a_suspended_host_cannot_change_listings(host):
    listing = ListingFactory.create(host=host, status=Status.DRAFT)
    host.suspended_at = timezone.now()
    host.save()

    with pytest.raises(HostSuspended):
        services.create_listing(host=host, data=listing_data(), actor=host.user)
    with pytest.raises(HostSuspended):
        services.submit_listing(host=host, listing_id=listing.pk, actor=host.user)


@pytest.mark.parametrize("suspended", [False, True])
@pytest.mark.parametrize("status", list(Status))
def test_is_public_agrees_with_the_public_queryset(host, status, suspended):
    if suspended:
        HostProfile.objects.filter(pk=host.pk).update(suspended_at=timezone.now())
    listing = ListingFactory.create(host=host, status=status)

    loaded = Listing.objects.select_related("host").get(pk=listing.pk)

    assert loaded.is_public == Listing.objects.public().filter(pk=listing.pk).exists()
    assert loaded.is_public == (status == Status.PUBLISHED and not suspended)


def test_the_smallest_group_cannot_outgrow_the_seats_of_a_date(host):
    """A rule of 4 seats a date: a smallest group of 6 could book none of its dates."""
    listing = services.create_listing(host=host, data=listing_data(), actor=host.user)
    schedule_services.create_schedule(
        host=host,
        listing_id=listing.pk,
        data=ScheduleData(
            kind="weekly",
            weekdays=(5,),
            start_times=(time(10, 0),),
            valid_from=date(2030, 1, 1),
            valid_until=None,
            capacity=4,
        ),
        now=datetime(2029, 12, 1, tzinfo=UTC),
    )

    with pytest.raises(InvalidListing) as caught:
        services.update_listing(
            host=host,
            listing_id=listing.pk,
            expected_version=1,
            data=listing_data(min_group_size=6, max_group_size=8),
            actor=host.user,
            now=datetime(2029, 12, 1, tzinfo=UTC),
        )

    assert caught.value.fields == {
        "min_group_size": ["A date of this listing has 4 seats: at most 4."]
    }
    listing.refresh_from_db()
    assert (listing.min_group_size, listing.version) == (1, 1)
