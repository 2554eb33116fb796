"""Review (session 19): "Cancel this date" on a date's roster, posted from a page opened before
the date went (its rule removed in another tab deletes an unbooked date to come; archiving the
listing deletes them too), answered a bare 404 page, where the schedules pages say the date is
no longer there. The roster's form now carries its listing: a date gone sends the host to the
listing's schedules and dates page saying so; a date of a listing archived meanwhile, which is
still there and refused, shows its roster saying the listing is archived. Nothing changes;
another host's date stays a 404."""

import pytest
from django.test import Client
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.scheduling.models import Slot
from outings.scheduling.services import delete_schedule
from outings.scheduling.tests.support import stored
from outings.scheduling.tests.test_review_session16_admin import a_rules_date

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

GONE = "This date is no longer there: it was removed, perhaps in another window."
ARCHIVED = "This listing is archived: its schedules and dates stay as they are."


def roster(slot_id: int) -> str:
    return f"/host/slots/{slot_id}/roster/"


def test_the_roster_form_carries_its_listing(client: Client) -> None:
    slot = a_rules_date()
    client.force_login(slot.listing.host.user)

    page = client.get(roster(slot.pk)).content.decode()

    assert f'name="listing" value="{slot.listing_id}"' in page


def test_cancelling_a_date_removed_meanwhile_says_it_is_no_longer_there(client: Client) -> None:
    slot = a_rules_date()
    listing = slot.listing
    client.force_login(listing.host.user)
    delete_schedule(host=listing.host, schedule_id=slot.schedule_id or 0, now=timezone.now())
    assert not Slot.objects.filter(pk=slot.pk).exists()  # unbooked and to come: deleted
    before = stored(Slot, Listing)

    response = client.post(roster(slot.pk), {"reason": "Storm.", "listing": str(listing.pk)})

    assert response.status_code == 302
    assert response["Location"] == f"/host/listings/{listing.pk}/schedules/"
    page = client.get(response["Location"]).content.decode()
    assert GONE in page
    assert stored(Slot, Listing) == before


def test_cancelling_a_date_of_a_listing_archived_meanwhile_shows_its_roster_saying_so(
    host_client: Client, listing: Listing, slot: Slot
) -> None:
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.ARCHIVED)
    before = stored(Slot)

    response = host_client.post(
        roster(slot.pk), {"reason": "Storm.", "listing": str(listing.pk)}, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain == [(roster(slot.pk), 302)]
    page = response.content.decode()
    assert ARCHIVED in page
    assert "no longer there" not in page
    assert stored(Slot) == before


@pytest.mark.parametrize("listing_field", [None, "", "x", "99999999999999999999", "²"])
def test_a_date_gone_with_no_listing_of_the_hosts_own_posted_is_still_a_404(
    host_client: Client, listing_field: str | None
) -> None:
    data = {"reason": "Storm."} | ({} if listing_field is None else {"listing": listing_field})

    response = host_client.post(roster(2_000_000_000), data)

    assert response.status_code == 404


def test_another_hosts_date_is_a_404_whatever_listing_is_posted(
    host_client: Client, listing: Listing
) -> None:
    """Someone else's date is not theirs to learn about, and another host's listing in the form
    is not theirs either."""
    theirs = ListingFactory.create(host=HostProfileFactory.create())
    their_date = a_rules_date()

    mine = host_client.post(roster(their_date.pk), {"reason": "x", "listing": str(listing.pk)})
    other = host_client.post(roster(their_date.pk), {"reason": "x", "listing": str(theirs.pk)})

    # Reads as a date gone, on the host's own listing's page: nothing of the other's shows.
    assert mine.status_code == 302
    assert mine["Location"] == f"/host/listings/{listing.pk}/schedules/"
    assert other.status_code == 404
    assert Slot.objects.get(pk=their_date.pk).status == Slot.Status.OPEN
