"""Review (session 14) of the host's pages: the heading of a refusal names what was refused, and
a listing's photo descriptions are marked with the listing's language. Each test failed on the
code it was written against."""

from typing import Any

import pytest

from outings.catalog.models import Listing, ListingPhoto

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


def test_a_refused_capacity_is_headed_by_the_dates_places_not_the_schedule(
    host_client: Any, listing: Listing, slot: Any
) -> None:
    """A German host sets a date's places below the listing's smallest group: the page read
    "Der Zeitplan ist ungültig. Mindestens die kleinste Gruppengröße (3)." The schedule was
    not touched and is fine; what was refused is one date's number of places."""
    listing.min_group_size = 3
    listing.save(update_fields=["min_group_size"])
    host_client.cookies["django_language"] = "de"

    response = host_client.post(
        f"/host/listings/{listing.pk}/slots/{slot.pk}/",
        {"version": str(slot.version), "capacity": "2"},
        follow=True,
    )

    page = response.content.decode()
    slot.refresh_from_db()
    assert slot.capacity == 10  # refused
    assert "Der Zeitplan ist ungültig" not in page
    assert (
        "Die Zahl der Plätze dieses Termins ist ungültig. "
        "Mindestens die kleinste Gruppengröße (3)." in page
    )


def test_a_photos_description_is_marked_with_the_listings_language(
    client: Any, host_client: Any, listing: Listing
) -> None:
    """A German listing's photo described "Blick vom Hafen" read, on the English page, in an
    English voice: the image's alt text had no `lang` (WCAG 3.1.2), where the title, summary
    and description next to it carry the listing's language."""
    Listing.objects.filter(pk=listing.pk).update(
        content_language="de", status=Listing.Status.PUBLISHED
    )
    ListingPhoto.objects.create(
        listing=listing,
        image="0.png",
        width=800,
        height=600,
        position=0,
        alt_text="Blick vom Hafen",
        status=ListingPhoto.Status.READY,
        renditions={
            size: {"jpeg": f"{size}.jpg", "webp": f"{size}.webp", "width": 400, "height": 300}
            for size in ("thumb", "card", "full")
        },
    )

    public = client.get(f"/things-to-do/{listing.pk}/").content.decode()
    own = host_client.get(f"/host/listings/{listing.pk}/").content.decode()

    assert 'alt="Blick vom Hafen" lang="de"' in public
    assert 'alt="Blick vom Hafen" lang="de"' in own
    assert 'name="alt_text" value="Blick vom Hafen" lang="de"' in own
