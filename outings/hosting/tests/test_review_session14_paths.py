"""Review (session 14) of the host's schedule pages: a rule, exception or date of another of the
host's own listings, posted under listing A's path, acted on the other listing (the services
took no listing id). Each test failed on the code it was written against.

Session 15 moved the check into the services (`listing_id`, in the lookup that scopes by host):
such a rule, exception or date now reads as no longer there for listing A, as a missing one or
someone else's does (a message on A's schedules page), where session 14's check in the view
answered 404; either way nothing is done to either listing."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, ScheduleFactory, SlotFactory
from outings.scheduling.models import Schedule, ScheduleException, Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


@pytest.fixture
def other(host: Any) -> Listing:
    """Listing B: another listing of the same host."""
    return ListingFactory.create(host=host, status=Listing.Status.PUBLISHED)


def rule_of(listing: Listing) -> Schedule:
    return ScheduleFactory.create(listing=listing, valid_from=date(2031, 1, 6))


def post_under(host_client: Client, listing: Listing, path: str, form: dict[str, str]) -> str:
    """POST `path` under `listing`'s path; the page it lands on (the listing's schedules)."""
    response = host_client.post(f"/host/listings/{listing.pk}/{path}", form, follow=True)
    assert response.redirect_chain == [(f"/host/listings/{listing.pk}/schedules/", 302)]
    assert response.status_code == 200
    return response.content.decode()


def test_deleting_a_rule_of_another_listing_under_this_ones_path_reads_as_no_longer_there(
    host_client: Any, listing: Listing, other: Listing
) -> None:
    rule = rule_of(other)

    page = post_under(host_client, listing, f"schedules/{rule.pk}/", {"action": "delete"})

    assert "This schedule is no longer there" in page
    assert Schedule.objects.filter(pk=rule.pk).exists()


def test_an_exception_to_a_rule_of_another_listing_under_this_ones_path_reads_as_no_longer_there(
    host_client: Any, listing: Listing, other: Listing
) -> None:
    rule = rule_of(other)

    page = post_under(
        host_client, listing, f"schedules/{rule.pk}/", {"day": "2031-01-08", "action": "cancel"}
    )

    assert "This schedule is no longer there" in page
    assert not ScheduleException.objects.exists()


def test_undoing_an_exception_of_another_listing_under_this_ones_path_reads_as_no_longer_there(
    host_client: Any, listing: Listing, other: Listing
) -> None:
    exception = ScheduleException.objects.create(
        schedule=rule_of(other), day=date(2031, 1, 7), action="cancel"
    )

    page = post_under(host_client, listing, f"exceptions/{exception.pk}/delete/", {})

    assert "This exception is no longer there" in page
    assert ScheduleException.objects.filter(pk=exception.pk).exists()


@pytest.mark.parametrize(
    "form", [{"capacity": "4", "version": "1"}, {"action": "cancel", "reason": ""}]
)
def test_changing_a_date_of_another_listing_under_this_ones_path_reads_as_no_longer_there(
    host_client: Any, listing: Listing, other: Listing, form: dict[str, str]
) -> None:
    slot = SlotFactory.create(listing=other, starts_at=timezone.now() + timedelta(days=9))
    before = Slot.objects.filter(pk=slot.pk).values().get()

    page = post_under(host_client, listing, f"slots/{slot.pk}/", form)

    assert "This date is no longer there" in page
    assert Slot.objects.filter(pk=slot.pk).values().get() == before


def test_a_rule_that_is_gone_still_reads_as_no_longer_there(
    host_client: Any, listing: Listing
) -> None:
    response = host_client.post(
        f"/host/listings/{listing.pk}/schedules/999999/", {"action": "delete"}, follow=True
    )

    assert response.status_code == 200
    assert "This schedule is no longer there" in response.content.decode()
