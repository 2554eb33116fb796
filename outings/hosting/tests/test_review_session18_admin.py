"""Review (hosting, session 18): staff's "Send back to the host…" and "Approve and publish…" on
several listings, one of which its host archived after staff chose it (while they typed the
reason, or read what goes live). The action named none of what it did and said "Sent back." (or
"Approved.") whatever was refused: a listing that left review since the list was shown was not
even in the action's queryset, so it went unmentioned. Each chosen listing is now handled on its
own, as the hosts' "Suspend" and "Reinstate" are: the refused one named with why, the others
named in one message after them."""

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.catalog import services
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("categories", "nudges", "in_memory_channel_layer"),
]

REVIEW = "/admin/hosting/listingreview/"
Status = Listing.Status


@pytest.fixture
def staff_browser() -> Client:
    """A superuser in the admin, answering 500s as a browser would see them."""
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def said(response: Any) -> list[tuple[str, str]]:
    return sorted((message.tags, str(message)) for message in response.context["messages"])


def submitted(title: str) -> Listing:
    return ListingFactory.create(title=title, status=Status.SUBMITTED)


def archived_by_its_host(listing: Listing) -> None:
    services.archive_listing(
        host=listing.host, listing_id=listing.pk, actor=listing.host.user, now=timezone.now()
    )


def two_chosen_one_archived(staff_browser: Client, action: str) -> tuple[Listing, Listing]:
    """ "Harbour walk" and "Market tour" chosen for `action`, whose first page (the reason asked,
    or what goes live) is shown; then "Market tour"'s host archives it."""
    harbour, market = submitted("Harbour walk"), submitted("Market tour")
    first_page = staff_browser.post(
        REVIEW, {"action": action, "_selected_action": [harbour.pk, market.pk]}
    )
    assert first_page.status_code == 200
    archived_by_its_host(market)
    return harbour, market


def test_sending_back_names_what_was_sent_back_and_what_was_refused_and_why(
    staff_browser: Client,
) -> None:
    harbour, market = two_chosen_one_archived(staff_browser, "reject")

    response = staff_browser.post(
        REVIEW,
        {
            "action": "reject",
            "_selected_action": [harbour.pk, market.pk],
            "reason": "Say where to meet.",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert Listing.objects.get(pk=harbour.pk).status == Status.DRAFT
    assert Listing.objects.get(pk=market.pk).status == Status.ARCHIVED
    assert said(response) == [
        ("error", "Market tour: A listing that is archived cannot be rejected."),
        ("success", "Sent back: Harbour walk."),
    ]


def test_sending_back_only_refused_listings_claims_nothing_was_sent_back(
    staff_browser: Client,
) -> None:
    market = submitted("Market tour")
    archived_by_its_host(market)

    response = staff_browser.post(
        REVIEW,
        {"action": "reject", "_selected_action": [market.pk], "reason": "Say where to meet."},
        follow=True,
    )

    assert response.status_code == 200
    assert Listing.objects.get(pk=market.pk).status == Status.ARCHIVED
    assert said(response) == [
        ("error", "Market tour: A listing that is archived cannot be rejected."),
    ]


def test_approving_names_what_was_published_and_what_was_refused_and_why(
    staff_browser: Client,
) -> None:
    harbour, market = two_chosen_one_archived(staff_browser, "approve")

    response = staff_browser.post(
        REVIEW,
        {
            "action": "approve",
            "_selected_action": [harbour.pk, market.pk],
            "confirm": "1",
            f"version_{harbour.pk}": harbour.version,
            f"version_{market.pk}": market.version,
        },
        follow=True,
    )

    assert response.status_code == 200
    assert Listing.objects.get(pk=harbour.pk).status == Status.PUBLISHED
    assert Listing.objects.get(pk=market.pk).status == Status.ARCHIVED
    assert said(response) == [
        # Archiving moved its version: it is no longer what staff read.
        ("error", "Market tour: The listing is at version 2; your edit was based on version 1."),
        ("success", "Approved: Harbour walk."),
    ]
