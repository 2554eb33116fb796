"""Review (session 22) of the host's photos on the listing page. Each test failed on the code it
was written against."""

import pytest

from outings.catalog.models import ListingPhoto
from outings.common.models import OutboxMessage
from outings.hosting.tests.fixtures import photo_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


@pytest.fixture
def pier(listing):
    """`listing`'s first photo, "Pier"; a second, "Boat", after it."""
    ListingPhoto.objects.create(
        listing=listing, image="b.png", width=800, height=600, position=1, alt_text="Boat"
    )
    return ListingPhoto.objects.create(
        listing=listing, image="a.png", width=800, height=600, position=0, alt_text="Pier"
    )


def descriptions(listing):
    return list(ListingPhoto.objects.filter(listing=listing).values_list("alt_text", flat=True))


def test_a_delete_from_a_tab_opened_before_the_description_changed_is_refused(
    host_client, listing, pier
):
    """One tab describes the first photo anew; another, opened before, deletes it: the delete
    went through whatever the photo had become (the page sent its version, the view dropped
    it), where the API's DELETE with If-Match refuses it (412). Now it is a 409 page naming the
    description saved meanwhile, and nothing is deleted."""
    tab_one = photo_form(host_client, listing, pier)
    tab_two = photo_form(host_client, listing, pier)
    url = f"/host/listings/{listing.pk}/photos/{pier.pk}/"
    saved = host_client.post(url, {**tab_one, "alt_text": "The pier at dawn"})

    stale = host_client.post(url, {**tab_two, "action": "delete"})

    assert saved.status_code == 302
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "The pier at dawn" in page
    assert "It was not deleted" in page
    assert descriptions(listing) == ["The pier at dawn", "Boat"]
    assert not OutboxMessage.objects.filter(kind="catalog.photo.delete_files").exists()


def test_a_delete_from_a_current_tab_goes_through(host_client, listing, pier):
    held = photo_form(host_client, listing, pier)

    response = host_client.post(
        f"/host/listings/{listing.pk}/photos/{pier.pk}/", {**held, "action": "delete"}
    )

    assert response.status_code == 302
    assert descriptions(listing) == ["Boat"]


def test_a_delete_without_the_photos_version_deletes_nothing(host_client, listing, pier):
    """A form without a version cannot remove anything (as it cannot overwrite anything)."""
    response = host_client.post(
        f"/host/listings/{listing.pk}/photos/{pier.pk}/", {"action": "delete"}
    )

    assert response.status_code == 409
    assert descriptions(listing) == ["Pier", "Boat"]


def test_the_refused_delete_reads_in_german(host_client, listing, pier):
    tab_two = photo_form(host_client, listing, pier)
    url = f"/host/listings/{listing.pk}/photos/{pier.pk}/"
    host_client.post(url, {**tab_two, "alt_text": "Der Steg"})
    host_client.cookies["django_language"] = "de"

    stale = host_client.post(url, {**tab_two, "action": "delete"})

    assert stale.status_code == 409
    assert "nicht gelöscht" in stale.content.decode()


@pytest.mark.parametrize(
    "form",
    [{"action": "crop", "alt_text": "x"}, {"action": "save"}, {}],
    ids=["unknown-action", "save-without-the-field", "nothing"],
)
def test_a_post_the_page_never_sends_changes_nothing(host_client, listing, pier, form):
    """Any action but up, down or delete was a save, and a save without the field stored "":
    the description was cleared by a form the page never shows."""
    response = host_client.post(
        f"/host/listings/{listing.pk}/photos/{pier.pk}/", {**form, "version": str(pier.version)}
    )

    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()
    assert descriptions(listing) == ["Pier", "Boat"]
