from datetime import timedelta

import pytest
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.catalog.models import Category, Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, SlotFactory
from outings.scheduling.models import Schedule, Slot

pytestmark = pytest.mark.django_db

MODELS = [User, HostProfile, Category, Listing, Schedule, Slot]


def changelist(model: type[Model]) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def make_rows(n: int) -> None:
    for i in range(n):
        listing = ListingFactory.create()
        Schedule.objects.create(
            listing=listing,
            weekdays=[0, 2],
            start_times=["10:00"],
            valid_from=timezone.localdate(),
            capacity=8,
        )
        SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=i + 1))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_changelist_answers_a_staff_user_in_bounded_queries(
    client, staff, django_assert_num_queries, django_assert_max_num_queries, model
):
    client.force_login(staff)
    make_rows(2)
    client.get(changelist(model))  # warm the session and content type caches
    with django_assert_max_num_queries(12) as few:
        response = client.get(changelist(model))
    assert response.status_code == 200

    make_rows(10)
    with django_assert_num_queries(len(few)):  # more rows, not more queries
        response = client.get(changelist(model))
    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_changelist_is_closed_to_a_guest(client, model):
    response = client.get(changelist(model))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_finds_a_listing_by_host_name(client, staff):
    client.force_login(staff)
    ListingFactory.create(
        title="Kayak tour", host=HostProfileFactory.create(display_name="Paddle Co")
    )
    ListingFactory.create(title="Museum visit")

    response = client.get(changelist(Listing), {"q": "Paddle"})

    assert [listing.title for listing in response.context["cl"].result_list] == ["Kayak tour"]


def test_admin_listing_change_page_answers(client, staff):
    client.force_login(staff)
    listing = ListingFactory.create()

    url = reverse("admin:catalog_listing_change", args=[listing.pk])
    response = client.get(url)

    assert response.status_code == 200
    assert 'name="expected_version" value="1"' in response.content.decode()


def listing_form(listing: Listing, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": listing.title,
        "summary": "",
        "description": listing.description,
        "category": listing.category_id,
        "kind": listing.kind,
        "status": listing.status,
        "host": listing.host_id,
        "tags": "",
        "price_amount": listing.price_amount,
        "currency": listing.currency,
        "duration_minutes": listing.duration_minutes,
        "languages": "",
        "content_language": "en",
        "address": listing.address,
        "city": listing.city,
        "country_code": listing.country_code,
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "time_zone": listing.time_zone,
        "image_url": "",
        "expected_version": listing.version,
    }
    data.update(changes)
    return data


def test_admin_saves_a_listing_and_bumps_its_version(client, staff):
    client.force_login(staff)
    listing = ListingFactory.create(title="Old title")

    response = client.post(
        reverse("admin:catalog_listing_change", args=[listing.pk]),
        listing_form(listing, title="New title"),
    )

    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.title, listing.version) == ("New title", 2)


def test_admin_refuses_a_stale_listing_edit(client, staff):
    client.force_login(staff)
    listing = ListingFactory.create(title="Theirs")
    stale = listing_form(listing, title="Mine")
    Listing.objects.filter(pk=listing.pk).update(version=2)  # someone saved meanwhile

    response = client.post(reverse("admin:catalog_listing_change", args=[listing.pk]), stale)

    assert response.status_code == 200
    assert "Someone else changed this listing" in response.content.decode()
    listing.refresh_from_db()
    assert (listing.title, listing.version) == ("Theirs", 2)


def test_admin_cannot_change_a_listings_status_past_moderation_and_its_audit(client, staff):
    client.force_login(staff)
    listing = ListingFactory.create(status=Listing.Status.DRAFT)
    url = reverse("admin:catalog_listing_change", args=[listing.pk])

    page = client.get(url).content.decode()
    response = client.post(url, listing_form(listing, status=Listing.Status.PUBLISHED))

    assert 'name="status"' not in page
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.DRAFT
