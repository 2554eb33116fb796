"""Review (session 23): staff deleting a guest, a listing or a date that bookings name
(Booking.guest, .listing and .slot are PROTECT) were told "your account doesn't have permission
to delete the following types of objects: booking", a superuser too: Django counts a protected
row's admin refusing its deletion (bookings are never deleted) as a permission staff lack, and
says that before what protects the row. No permission helps; the bookings stop it. The page now
names the protected bookings ("would require deleting the following protected related
objects"), for one row and for the bulk delete, and nothing is deleted."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

PROTECTED = "would require deleting the following protected related objects"
NO_PERMISSION = "doesn't have permission to delete"


@pytest.fixture
def superuser(client: Client) -> Client:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def text(response: Any) -> str:
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


@pytest.mark.parametrize("what", ["guest", "listing", "slot"])
def test_deleting_a_row_bookings_name_says_they_protect_it(superuser: Client, what: str) -> None:
    """Bug: the page said the superuser lacked a permission to delete bookings."""
    slot = SlotFactory.create(capacity=4)
    guest = UserFactory.create()
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    model, row = {
        "guest": ("accounts_user", guest.pk),
        "listing": ("catalog_listing", slot.listing_id),
        "slot": ("scheduling_slot", slot.pk),
    }[what]

    one = text(superuser.get(reverse(f"admin:{model}_delete", args=[row])))
    posted = text(superuser.post(reverse(f"admin:{model}_delete", args=[row]), {"post": "yes"}))
    bulk = text(
        superuser.post(
            reverse(f"admin:{model}_changelist"),
            {"action": "delete_selected", "_selected_action": [row], "post": "yes"},
        )
    )

    for page in (one, posted, bulk):
        assert PROTECTED in page
        assert NO_PERMISSION not in page
        assert booking.reference in page or str(booking) in page
    assert User.objects.filter(pk=guest.pk).exists()
    assert Listing.objects.filter(pk=slot.listing_id).exists()
    assert Slot.objects.filter(pk=slot.pk).exists()


def test_staff_lacking_a_permission_are_still_told_so(client: Client) -> None:
    """The control: staff who may delete listings but not dates are told of the permission
    they lack for a listing with dates and no bookings, and nothing is deleted."""
    staff = UserFactory.create(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_listing", "delete_listing"])
    )
    client.force_login(staff)
    slot = SlotFactory.create()

    page = text(client.get(reverse("admin:catalog_listing_delete", args=[slot.listing_id])))

    assert NO_PERMISSION in page
    assert PROTECTED not in page
    assert Slot.objects.filter(pk=slot.pk).exists()
