"""Review of approving listings at the version staff were shown (the admin action "Approve and
publish…", outings/hosting/admin.py): each test names what goes wrong today and why."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from outings.accounts.models import HostProfile, User
from outings.catalog.models import AuditEntry, Listing
from outings.catalog.tests.factories import ListingFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

REVIEW = "/admin/hosting/listingreview/"


def superuser_client() -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.create_superuser("boss", "boss@example.org", "pw"))
    return client


def confirm(client: Client, listing: Listing, version: str) -> Any:
    """The confirming POST of the review page (admin/hosting/approve.html)."""
    return client.post(
        REVIEW,
        {
            "action": "approve",
            "_selected_action": [str(listing.pk)],
            "confirm": "1",
            f"version_{listing.pk}": version,
        },
    )


@pytest.mark.parametrize(
    "version",
    [
        "\u00b2",  # SUPERSCRIPT TWO: str.isdigit() is True, int() refuses it
        "9"
        * 5000,  # all digits, longer than int() converts (sys.int_info.str_digits_check_threshold)
    ],
    ids=["superscript-digit", "five-thousand-digits"],
)
def test_it_answers_a_version_that_is_no_number_with_a_message_not_a_server_error(
    host: HostProfile, version: str
) -> None:
    """The action checks the posted version with `reviewed.isdigit()` and then calls
    `int(reviewed)` (outings/hosting/admin.py:80-88). `isdigit()` is True for characters that
    int() cannot read ("²", "①") and for strings of any length, while int() refuses more than
    4,300 digits (ValueError): either value makes the admin action raise ValueError, a 500.
    Expected: a posted version that is not a number the listing could be at is treated like a
    missing one (or a stale one): the listing stays submitted, no audit entry is written, staff
    get a message and are sent back to the list (302)."""
    client = superuser_client()
    listing = ListingFactory.create(host=host, status=Listing.Status.SUBMITTED, version=3)

    response = confirm(client, listing, version)

    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED
    assert not AuditEntry.objects.exists()


def test_it_lets_no_staff_member_who_may_only_view_listings_to_review_publish_one(
    host: HostProfile,
) -> None:
    """The actions "Approve and publish…" and "Send back to the host…" declare no
    `allowed_permissions` (outings/hosting/admin.py:64 and :94), so Django's admin offers them to
    anyone who may open the list, and `view_listingreview` is enough for that;
    approve_listing checks only `is_staff` (outings/catalog/services/listings.py:205). A staff
    account given read-only access to the moderation queue (a trainee, support) therefore
    publishes listings. Expected: approving (and rejecting) needs the change permission on
    Listings to review (`allowed_permissions=("change",)` on both actions); a view-only staff
    member's POST publishes nothing."""
    viewer = UserFactory.create(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_listingreview"))
    client = Client(raise_request_exception=False)
    client.force_login(viewer)
    listing = ListingFactory.create(host=host, status=Listing.Status.SUBMITTED, version=3)
    assert client.get(REVIEW).status_code == 200  # they may read the queue: that is intended

    confirm(client, listing, "3")

    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED
    assert not AuditEntry.objects.filter(action="approved").exists()
