"""Review (session 24): the host's forms that make something, sent twice (a double click, a POST
retried after a slow answer, the browser's "resend", the page Back restored). The "New listing"
form carried no one-time token, as the guest's booking form does: each submission of the same
rendered form made a draft of its own. Each test failed on the code it was written against,
but the controls."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from outings.catalog.models import AuditEntry, Listing, ListingPhoto
from outings.catalog.tests.factories import HostProfileFactory
from outings.common.models import UsedFormToken
from outings.hosting.tests.fixtures import png
from outings.hosting.tests.test_pages import LISTING_FORM
from outings.scheduling.models import Schedule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


def form_token(page: str, form_id: str) -> str:
    """The one-time token of the form `form_id` as the page shows it."""
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S)
    assert form is not None
    token = re.search(r'name="form_token" value="([^"]+)"', form.group(0))
    assert token is not None
    return token.group(1)


def test_the_new_listing_form_sent_twice_makes_one_draft(host_client, host):
    token = form_token(host_client.get("/host/listings/new/").content.decode(), "listing-form")
    sent = {**LISTING_FORM, "form_token": token}

    first = host_client.post("/host/listings/new/", sent)
    second = host_client.post("/host/listings/new/", sent, follow=True)

    listing = Listing.objects.get(host=host)
    assert first.status_code == 302
    assert second.redirect_chain == [(f"/host/listings/{listing.pk}/", 302)]
    assert second.status_code == 200
    page = second.content.decode()
    assert "This form was already sent: here is the draft it made." in page
    assert AuditEntry.objects.filter(listing=listing, action="created").count() == 1


def test_the_form_sent_again_after_a_change_still_makes_no_second_draft(host_client, host):
    # The page Back restored, its title changed: the token is that of the form already sent.
    token = form_token(host_client.get("/host/listings/new/").content.decode(), "listing-form")
    host_client.post("/host/listings/new/", {**LISTING_FORM, "form_token": token})

    again = {**LISTING_FORM, "title": "Harbour walk at night", "form_token": token}
    response = host_client.post("/host/listings/new/", again)

    assert response.status_code == 302
    assert list(Listing.objects.values_list("title", flat=True)) == ["Harbour walk"]


def test_each_rendering_has_a_token_of_its_own_and_makes_a_draft(host_client, host):
    # The control: two pages, two drafts.
    for _ in range(2):
        page = host_client.get("/host/listings/new/").content.decode()
        sent = {**LISTING_FORM, "form_token": form_token(page, "listing-form")}
        assert host_client.post("/host/listings/new/", sent).status_code == 302

    assert Listing.objects.filter(host=host).count() == 2


def test_a_refused_form_keeps_its_token_unspent(host_client, host):
    token = form_token(host_client.get("/host/listings/new/").content.decode(), "listing-form")

    refused = host_client.post(
        "/host/listings/new/", {**LISTING_FORM, "price": "-1", "form_token": token}
    )
    mended = host_client.post("/host/listings/new/", {**LISTING_FORM, "form_token": token})

    assert refused.status_code == 400
    assert form_token(refused.content.decode(), "listing-form") == token
    assert mended.status_code == 302
    assert Listing.objects.filter(host=host).count() == 1


def test_a_token_is_the_senders_own(host_client, host):
    # Another host sending the same token (a copied post) makes their own draft.
    token = form_token(host_client.get("/host/listings/new/").content.decode(), "listing-form")
    host_client.post("/host/listings/new/", {**LISTING_FORM, "form_token": token})
    other = HostProfileFactory.create()
    client = Client()
    client.force_login(other.user)

    response = client.post("/host/listings/new/", {**LISTING_FORM, "form_token": token})

    assert response.status_code == 302
    assert Listing.objects.filter(host=other).count() == 1
    assert UsedFormToken.objects.filter(token=token).count() == 2


def test_a_form_without_a_token_still_makes_its_draft(host_client, host):
    # A page of the release before (no token) or a script: made as before, once per post.
    response = host_client.post("/host/listings/new/", LISTING_FORM)

    assert response.status_code == 302
    assert Listing.objects.filter(host=host).count() == 1


def test_an_overlong_token_is_refused_and_makes_nothing(host_client, host):
    response = host_client.post("/host/listings/new/", {**LISTING_FORM, "form_token": "x" * 65})

    assert response.status_code == 400
    page = response.content.decode()
    assert "We could not read this form, so nothing was saved." in page
    renewed = form_token(page, "listing-form")
    assert renewed != "x" * 65
    assert (
        host_client.post("/host/listings/new/", {**LISTING_FORM, "form_token": renewed}).status_code
        == 302
    )
    assert Listing.objects.count() == 1


WEEKLY = {
    "kind": "weekly",
    "weekdays": ["0", "3"],
    "start_times": "10:00",
    "valid_from": "2031-02-03",
    "capacity": "5",
}
ONCE = {"kind": "once", "start_times": "10:00, 15:00", "valid_from": "2031-02-04", "capacity": "5"}


@pytest.mark.parametrize("sent", [WEEKLY, ONCE], ids=["weekly", "once"])
def test_the_add_a_schedule_form_sent_twice_adds_it_once(host_client, listing, sent):
    url = f"/host/listings/{listing.pk}/schedules/"
    token = form_token(host_client.get(url).content.decode(), "schedule-form")
    sent = {**sent, "form_token": token}

    first = host_client.post(url, sent)
    second = host_client.post(url, sent, follow=True)

    assert first.status_code == 302
    # It answered 409, "This schedule overlaps another one of the listing", with the form
    # filled in again: the host's double click read as a refusal of a rule that was saved.
    assert second.redirect_chain == [(url, 302)]
    assert second.status_code == 200
    assert "This form was already sent: its schedule is below." in second.content.decode()
    assert Schedule.objects.filter(listing=listing).count() == 1


def test_a_refused_schedule_keeps_its_token_unspent(host_client, listing):
    url = f"/host/listings/{listing.pk}/schedules/"
    token = form_token(host_client.get(url).content.decode(), "schedule-form")

    refused = host_client.post(url, {**WEEKLY, "capacity": "0", "form_token": token})
    mended = host_client.post(url, {**WEEKLY, "form_token": token})

    assert refused.status_code == 400
    assert form_token(refused.content.decode(), "schedule-form") == token
    assert mended.status_code == 302
    assert Schedule.objects.filter(listing=listing).count() == 1


def _photos(count: int) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(f"p{n}.png", png(color=color), content_type="image/png")
        for n, color in zip(range(count), ["teal", "orange", "navy"], strict=False)
    ]


@pytest.mark.usefixtures("media")
def test_the_photo_upload_sent_twice_uploads_once(host_client, listing):
    url = f"/host/listings/{listing.pk}/"
    token = form_token(host_client.get(url).content.decode(), "photos-form")

    first = host_client.post(f"{url}photos/", {"photos": _photos(2), "form_token": token})
    second = host_client.post(
        f"{url}photos/", {"photos": _photos(2), "form_token": token}, follow=True
    )

    assert first.status_code == 302
    assert second.redirect_chain == [(f"{url}#photos", 302)]
    assert "This form was already sent: its photos are below." in second.content.decode()
    assert ListingPhoto.objects.filter(listing=listing).count() == 2


@pytest.mark.usefixtures("media")
def test_each_rendering_of_the_photo_form_uploads(host_client, listing):
    # The control: two pages, two uploads.
    url = f"/host/listings/{listing.pk}/"
    for _ in range(2):
        token = form_token(host_client.get(url).content.decode(), "photos-form")
        host_client.post(f"{url}photos/", {"photos": _photos(1), "form_token": token})

    assert ListingPhoto.objects.filter(listing=listing).count() == 2


@pytest.mark.usefixtures("media")
def test_a_photo_form_sent_without_photos_keeps_its_token_unspent(host_client, listing):
    url = f"/host/listings/{listing.pk}/"
    token = form_token(host_client.get(url).content.decode(), "photos-form")

    host_client.post(f"{url}photos/", {"form_token": token})
    host_client.post(f"{url}photos/", {"photos": _photos(1), "form_token": token})

    assert ListingPhoto.objects.filter(listing=listing).count() == 1
