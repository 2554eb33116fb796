"""Review (session 13) of the host's photos on the listing page: two tabs that overwrite each
other. Each test failed on the code it was written against."""

import pytest

from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import ListingFactory
from outings.hosting.tests.fixtures import photo_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


@pytest.fixture
def draft(host):
    return ListingFactory.create(host=host, status=Listing.Status.DRAFT)


@pytest.fixture
def photos(draft):
    return [
        ListingPhoto.objects.create(
            listing=draft, image=f"{n}.png", width=800, height=600, position=n, alt_text=f"P{n}"
        )
        for n in range(3)
    ]


def post_photo(client, listing, photo, held, **data):
    return client.post(f"/host/listings/{listing.pk}/photos/{photo.pk}/", {**held, **data})


def from_two_tabs(client, listing, first, second):
    """Open the page in two tabs, then post `first` = (photo, data) from the first and `second`
    from the second: the two answers."""
    tabs = [photo_form(client, listing, photo) for photo, _ in (first, second)]
    return [
        post_photo(client, listing, photo, tab, **data)
        for tab, (photo, data) in zip(tabs, (first, second), strict=True)
    ]


def test_two_tabs_describing_one_photo_do_not_overwrite_each_other(host_client, draft, photos):
    """The host describes a photo in one tab, then saves an older description from another tab
    opened before: the second save silently replaced the first. Now it is a 409 page naming
    the description saved meanwhile, the field holding theirs on the current version."""
    saved, stale = from_two_tabs(
        host_client,
        draft,
        (photos[0], {"alt_text": "The pier at dawn"}),
        (photos[0], {"alt_text": "A boat"}),
    )

    assert saved.status_code == 302
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "The pier at dawn" in page
    assert f'id="alt-{photos[0].pk}" type="text" name="alt_text" value="A boat"' in page
    photos[0].refresh_from_db()
    assert photos[0].alt_text == "The pier at dawn"
    again = post_photo(
        host_client, draft, photos[0], {"version": str(photos[0].version)}, alt_text="A boat"
    )
    assert again.status_code == 302
    photos[0].refresh_from_db()
    assert photos[0].alt_text == "A boat"


def test_a_move_from_a_tab_with_an_old_order_is_refused(host_client, draft, photos):
    """Both tabs show P0, P1, P2. One moves P2 up (P0, P2, P1); the other, still showing the
    old order, moves P1 up meaning "before P0", and the page swapped P1 with what now sat
    above it (P2) instead: P0, P1, P2, the first tab's move undone unseen. Now the stale move
    is a 409 page with the order as it is."""
    moved, stale = from_two_tabs(
        host_client, draft, (photos[2], {"action": "up"}), (photos[1], {"action": "up"})
    )

    assert moved.status_code == 302
    assert stale.status_code == 409
    order = ListingPhoto.objects.filter(listing=draft).values_list("alt_text", flat=True)
    assert list(order) == ["P0", "P2", "P1"]


def test_the_photo_conflicts_read_in_german(host_client, draft, photos):
    tab_two = photo_form(host_client, draft, photos[0])
    post_photo(host_client, draft, photos[0], tab_two, alt_text="Der Steg")
    host_client.cookies["django_language"] = "de"

    stale = post_photo(host_client, draft, photos[0], tab_two, alt_text="Ein Boot")

    assert stale.status_code == 409
    assert "in einem anderen Fenster" in stale.content.decode()
