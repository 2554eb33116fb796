"""Review (session 18): an archived listing's dates keep their places. Its rules could no longer be
changed (the schedule services look the listing up among the host's listings not archived: a
404, "no longer there" on the page), but one date's places could, on the page and in the API
(`change_slot_capacity` locked the listing whatever its state). Now refused the same way,
nothing changed."""

from typing import Any

import pytest
from django.test import Client

from outings.api.tests.helpers import error_of
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ScheduleFactory
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


def archived(listing: Listing) -> None:
    """Archived with its dates to come still open: archiving takes them off sale since session
    18, so these are a listing archived before, or a date staff added to it in the admin."""
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.ARCHIVED)


def test_an_archived_listings_dates_places_are_refused_on_the_page(
    host_client: Client, listing: Listing, slot: Slot
) -> None:
    archived(listing)

    response = host_client.post(
        f"/host/listings/{listing.pk}/slots/{slot.pk}/",
        {"capacity": "12", "version": str(slot.version)},
        follow=True,
    )

    page = response.content.decode()
    # It said "This date is no longer there" until session 19: the date is there, and its
    # listing archived (test_review_session19_archived.py).
    assert "This listing is archived: its schedules and dates stay as they are." in page
    assert "Capacity changed." not in page
    assert Slot.objects.values_list("capacity", "version").get(pk=slot.pk) == (10, slot.version)


def test_an_archived_listings_dates_places_are_refused_in_the_api_as_its_rules_are(
    host_client: Client, listing: Listing, slot: Slot
) -> None:
    rule = ScheduleFactory.create(listing=listing)
    archived(listing)
    base = f"/api/v1/host/listings/{listing.pk}"

    places = host_client.patch(
        f"{base}/slots/{slot.pk}", {"capacity": 12}, content_type="application/json"
    )
    rule_removed = host_client.delete(f"{base}/schedules/{rule.pk}")

    refusals: list[Any] = [places, rule_removed]
    assert [(r.status_code, error_of(r)["code"]) for r in refusals] == [(404, "not_found")] * 2
    assert Slot.objects.values_list("capacity", "version").get(pk=slot.pk) == (10, slot.version)


def test_an_archived_listings_date_cannot_be_cancelled_by_its_host(
    host_client: Client, listing: Listing, slot: Slot
) -> None:
    """Its places and rules were refused, but `cancel_slot` cancelled the date (and counted it
    against the host): refused the same way now, 404 not_found, nothing changed."""
    archived(listing)
    before = Slot.objects.values_list("status", "version").get(pk=slot.pk)

    response = host_client.post(
        f"/api/v1/host/listings/{listing.pk}/slots/{slot.pk}/cancel",
        {"reason": "Gone"},
        content_type="application/json",
    )

    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert Slot.objects.values_list("status", "version").get(pk=slot.pk) == before
