"""Review (session 14) of the host's schedule pages: a rule, exception or date of another of the
host's own listings, posted under listing A's path, acted on the other listing (the services
take no listing id). Each test failed on the code it was written against."""

from datetime import date, timedelta
from typing import Any

import pytest
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


def test_deleting_a_rule_of_another_listing_under_this_ones_path_is_a_404(
    host_client: Any, listing: Listing, other: Listing
) -> None:
    rule = rule_of(other)

    response = host_client.post(
        f"/host/listings/{listing.pk}/schedules/{rule.pk}/", {"action": "delete"}
    )

    assert response.status_code == 404
    assert Schedule.objects.filter(pk=rule.pk).exists()


def test_an_exception_to_a_rule_of_another_listing_under_this_ones_path_is_a_404(
    host_client: Any, listing: Listing, other: Listing
) -> None:
    rule = rule_of(other)

    response = host_client.post(
        f"/host/listings/{listing.pk}/schedules/{rule.pk}/",
        {"day": "2031-01-08", "action": "cancel"},
    )

    assert response.status_code == 404
    assert not ScheduleException.objects.exists()


def test_undoing_an_exception_of_another_listing_under_this_ones_path_is_a_404(
    host_client: Any, listing: Listing, other: Listing
) -> None:
    exception = ScheduleException.objects.create(
        schedule=rule_of(other), day=date(2031, 1, 7), action="cancel"
    )

    response = host_client.post(f"/host/listings/{listing.pk}/exceptions/{exception.pk}/delete/")

    assert response.status_code == 404
    assert ScheduleException.objects.filter(pk=exception.pk).exists()


@pytest.mark.parametrize(
    "form", [{"capacity": "4", "version": "1"}, {"action": "cancel", "reason": ""}]
)
def test_changing_a_date_of_another_listing_under_this_ones_path_is_a_404(
    host_client: Any, listing: Listing, other: Listing, form: dict[str, str]
) -> None:
    slot = SlotFactory.create(listing=other, starts_at=timezone.now() + timedelta(days=9))
    before = Slot.objects.filter(pk=slot.pk).values().get()

    response = host_client.post(f"/host/listings/{listing.pk}/slots/{slot.pk}/", form)

    assert response.status_code == 404
    assert Slot.objects.filter(pk=slot.pk).values().get() == before


def test_a_rule_that_is_gone_still_reads_as_no_longer_there(
    host_client: Any, listing: Listing
) -> None:
    response = host_client.post(
        f"/host/listings/{listing.pk}/schedules/999999/", {"action": "delete"}, follow=True
    )

    assert response.status_code == 200
    assert "This schedule is no longer there" in response.content.decode()
