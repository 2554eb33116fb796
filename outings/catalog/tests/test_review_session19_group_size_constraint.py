"""Review (session 19): a listing's smallest group above MAX_SEATS (50, the most one booking
takes) could never be booked: the host's form, validate_listing and the API refuse it since
session 19, but nothing in the database did. CHECK (min_group_size <= 50) now backs them
(catalog 0011), as listing_group_size_range backs the order of the two sizes.

Staff cannot set it in the admin: the listing admin offers neither group size (pinned below),
and the importer leaves both at the model's defaults (1 and 10)."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from outings.catalog.models import MAX_SEATS, Listing
from outings.catalog.tests.factories import ListingFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_smallest_group_above_the_most_one_booking_takes():
    listing = ListingFactory.create(min_group_size=1, max_group_size=100)

    with pytest.raises(IntegrityError, match="listing_min_group_bookable"), transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(min_group_size=MAX_SEATS + 1)

    assert Listing.objects.values_list("min_group_size", flat=True).get(pk=listing.pk) == 1


def test_the_database_takes_a_smallest_group_of_exactly_the_most_one_booking_takes():
    listing = ListingFactory.create(min_group_size=MAX_SEATS, max_group_size=100)

    assert Listing.objects.get(pk=listing.pk).min_group_size == MAX_SEATS


def test_the_listing_admin_offers_no_group_size():
    """Pinned: what made the admin's own check unnecessary. A field added to it needs the
    service's validation (validate_listing) and gets this constraint's IntegrityError without."""
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    listing = ListingFactory.create()
    client = Client()
    client.force_login(staff)

    page = client.get(f"/admin/catalog/listing/{listing.pk}/change/").content.decode()

    assert 'name="title"' in page
    assert 'name="min_group_size"' not in page
    assert 'name="max_group_size"' not in page
