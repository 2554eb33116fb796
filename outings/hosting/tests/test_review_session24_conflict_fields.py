"""Review (session 24): the page a host sees when another tab (a partner, the API) saved the
listing first. It lists "each field where the saved listing differs from what they sent", and
compared the text of the form as typed with the saved value as shown: a country typed in small
letters ("de", saved "DE"), a price without its cents ("25" for 25.00), tags or languages
without a space after the comma were listed as changed by someone else, with the same value on
both sides, beside the one field that was. The page now compares what each would store
(validate_listing, as the save does). The test failed on the code it was written against but
the control."""

import pytest
from django.test import Client

from outings.accounts.models import HostProfile
from outings.catalog import services as catalog_services
from outings.catalog.models import Listing
from outings.hosting.tests.fixtures import listing_data
from outings.hosting.tests.test_pages import LISTING_FORM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


@pytest.fixture
def changed_in_another_tab(host: HostProfile) -> Listing:
    """A listing at version 2: its title changed since a tab opened it at version 1."""
    data = listing_data(
        description="We walk **slowly**.",
        price_amount=2500,
        cancellation_policy="strict",
        requirements="",
    )
    listing = catalog_services.create_listing(host=host, data=data, actor=host.user)
    catalog_services.update_listing(
        host=host,
        listing_id=listing.pk,
        expected_version=1,
        data=listing_data(**{**data.__dict__, "title": "Changed by my partner"}),
        actor=host.user,
    )
    return listing


def _changes(client: Client, listing: Listing, **typed: str) -> dict[str, tuple[str, str]]:
    form = {**LISTING_FORM, "description": "We walk **slowly**.", "version": "1", **typed}
    response = client.post(f"/host/listings/{listing.pk}/", form)
    assert response.status_code == 409
    return {c["label"]: (str(c["current"]), str(c["yours"])) for c in response.context["changes"]}


def test_the_conflict_lists_only_the_fields_that_differ_in_what_they_store(
    host_client: Client, changed_in_another_tab: Listing
) -> None:
    changes = _changes(
        host_client,
        changed_in_another_tab,
        title="Mine",
        country_code="de",
        price="25",
        tags="harbour,history",
        languages="en,de",
    )

    assert changes == {"Title": ("Changed by my partner", "Mine")}


def test_a_field_the_host_changed_too_is_listed(
    host_client: Client, changed_in_another_tab: Listing
) -> None:
    """The control: a price of their own is a difference (every other field sent as the page
    shows it)."""
    as_shown = {
        "country_code": "DE",
        "tags": "harbour, history",
        "instant_booking": "True",
        "min_guests": "0",
        "min_guests_cutoff_hours": "48",
        "content_language": "en",
    }
    changes = _changes(host_client, changed_in_another_tab, title="Mine", price="26", **as_shown)

    assert set(changes) == {"Title", "Price per person"}


def test_the_form_to_save_again_keeps_the_saved_values_of_fields_the_post_left_out(
    host_client: Client, changed_in_another_tab: Listing
) -> None:
    """A post without the booking settings (an older page, a script) leaves them as they are;
    the form to save again showed them empty, so saving it set no minimum's cut-off."""
    form = {**LISTING_FORM, "description": "We walk **slowly**.", "version": "1"}
    response = host_client.post(f"/host/listings/{changed_in_another_tab.pk}/", form)

    assert response.status_code == 409
    initial = response.context["form"].initial
    assert (initial["min_guests_cutoff_hours"], initial["instant_booking"]) == (48, True)
    assert initial["version"] == 2
