"""Review (session 23) of the listing page's Archive button: one click beside Pause retired the
listing for good (it can never be edited, published again or booked), took its dates to come
off sale and told whoever waited for a seat, with no word of any of it first. A host who meant
to take the listing off the site for a while lost it. The button now asks first, on a page that
says what archiving does and offers Pause instead; only its "Archive for good" archives. Each
test failed on the code it was written against, but the controls."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from outings.catalog.models import AuditEntry, Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, SlotFactory
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

Status = Listing.Status


@pytest.fixture
def on_sale(listing):
    Listing.objects.filter(pk=listing.pk).update(status=Status.PUBLISHED)
    SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=5))
    return listing


def _form(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form posting to `action`: what the host's tab holds."""
    form = re.search(rf'<form[^>]*action="[^"]*{re.escape(action)}".*?</form>', html, re.S)
    assert form is not None, f"no form for {action}"
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))


def _archive_button(client, listing) -> dict[str, str]:
    page = client.get(f"/host/listings/{listing.pk}/").content.decode()
    return _form(page, "/state/archive/")


def test_the_archive_button_asks_first_and_changes_nothing(host_client, on_sale):
    url = f"/host/listings/{on_sale.pk}/state/archive/"

    response = host_client.post(url, _archive_button(host_client, on_sale))

    assert response.status_code == 200
    page = response.content.decode()
    assert "This cannot be undone." in page
    assert "pause it instead" in page
    on_sale.refresh_from_db()
    assert on_sale.status == Status.PUBLISHED
    assert not AuditEntry.objects.filter(listing=on_sale, action="archived").exists()
    assert Slot.objects.filter(listing=on_sale, status=Slot.Status.OPEN).count() == 1


def test_archive_for_good_archives(host_client, on_sale):
    url = f"/host/listings/{on_sale.pk}/state/archive/"
    asked = host_client.post(url, _archive_button(host_client, on_sale)).content.decode()

    response = host_client.post(url, _form(asked, "/state/archive/"))

    assert response.status_code == 302
    on_sale.refresh_from_db()
    assert on_sale.status == Status.ARCHIVED
    assert not Slot.objects.filter(listing=on_sale, status=Slot.Status.OPEN).exists()


def test_the_page_asking_offers_pause_instead(host_client, on_sale):
    url = f"/host/listings/{on_sale.pk}/state/archive/"
    asked = host_client.post(url, _archive_button(host_client, on_sale)).content.decode()

    response = host_client.post(
        f"/host/listings/{on_sale.pk}/state/pause/", _form(asked, "/state/pause/")
    )

    assert response.status_code == 302
    on_sale.refresh_from_db()
    assert on_sale.status == Status.PAUSED


def test_a_page_shown_before_a_change_is_refused_at_once(host_client, host, on_sale):
    """The control of session 22's rule: a stale page is told before it is asked anything."""
    held = _archive_button(host_client, on_sale)
    Listing.objects.filter(pk=on_sale.pk).update(version=on_sale.version + 1)

    response = host_client.post(f"/host/listings/{on_sale.pk}/state/archive/", held)

    assert response.status_code == 409
    assert "It was not archived" in response.content.decode()


def test_another_hosts_listing_is_not_found(host_client):
    theirs = ListingFactory.create(host=HostProfileFactory.create(), status=Status.PUBLISHED)

    response = host_client.post(f"/host/listings/{theirs.pk}/state/archive/", {"version": "1"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.PUBLISHED


def test_the_page_asking_reads_in_german(host_client, on_sale):
    host_client.cookies["django_language"] = "de"
    held = _archive_button(host_client, on_sale)
    with translation.override("de"):
        response = host_client.post(f"/host/listings/{on_sale.pk}/state/archive/", held)

    assert response.status_code == 200
    assert "Das lässt sich nicht rückgängig machen." in response.content.decode()
