"""Review (session 19): the schedules page of an archived listing. Its rules and dates stay as they
are (the services refuse them as not found: test_review_session18_archived_dates.py), but the
page said "This schedule is no longer there: it was removed, perhaps in another window." (or
"This date ...") for a rule or a date that is there, on a listing the host archived; adding a
rule answered a bare 404 page; and the page offered every form. It now says that the listing
is archived, there and on the page, which offers no form; nothing changes."""

import pytest
from django.test import Client
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import ScheduleFactory
from outings.scheduling.models import Schedule, Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

ARCHIVED = "This listing is archived: its schedules and dates stay as they are."


def _archived(listing: Listing) -> None:
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.ARCHIVED)


def test_a_form_about_an_archived_listings_rule_or_date_says_the_listing_is_archived(
    host_client: Client, listing: Listing, slot: Slot
) -> None:
    rule = ScheduleFactory.create(listing=listing)
    _archived(listing)
    base = f"/host/listings/{listing.pk}"

    answers = [
        host_client.post(f"{base}/schedules/{rule.pk}/", {"action": "delete"}, follow=True),
        host_client.post(
            f"{base}/slots/{slot.pk}/",
            {"capacity": "12", "version": str(slot.version)},
            follow=True,
        ),
        host_client.post(f"{base}/slots/{slot.pk}/", {"action": "cancel"}, follow=True),
    ]

    for response in answers:
        page = response.content.decode()
        assert response.status_code == 200
        assert ARCHIVED in page
        assert "no longer there" not in page
    assert Schedule.objects.filter(pk=rule.pk).exists()
    assert Slot.objects.values_list("status", "capacity", "version").get(pk=slot.pk) == (
        Slot.Status.OPEN,
        10,
        slot.version,
    )


def test_adding_a_rule_to_an_archived_listing_says_it_is_archived(
    host_client: Client, listing: Listing
) -> None:
    _archived(listing)

    response = host_client.post(
        f"/host/listings/{listing.pk}/schedules/",
        {
            "kind": "weekly",
            "weekdays": ["1"],
            "start_times": "10:00",
            "valid_from": timezone.localdate().isoformat(),
            "capacity": "6",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert ARCHIVED in response.content.decode()
    assert not Schedule.objects.filter(listing=listing).exists()


def test_the_schedules_page_of_an_archived_listing_says_so_and_offers_no_form(
    host_client: Client, listing: Listing, slot: Slot
) -> None:
    ScheduleFactory.create(listing=listing)
    _archived(listing)

    page = host_client.get(f"/host/listings/{listing.pk}/schedules/").content.decode()

    assert ARCHIVED in page
    assert "<form" not in page.split("<main", 1)[-1]
