"""Review (session 24): a button on a host's page pressed after the session ended sends the host
to sign in and back to the page the button was on, read from the request's Referer (session 23).
A browser that sends no Referer (a privacy setting or extension, a page opened from a file or
another app), or another site's, still had `next` set to the button's own address, which signing
in opened with a GET: "Pause", "Publish again", "Submit for review", "Archive", a photo's "Save"
and "Delete", "Add photos", a date's "Change" (its places) and "Cancel", a rule's "Remove" and
"Save exception", an exception's "Undo" all ended on a 405, an empty page. Signing in now leads,
without a Referer, to the page that has the button (the listing's host page, its photos, its
schedules page), as the guest's buttons do (bookings test_review_session24_signed_out_no_referer);
nothing was done. The forms whose address answers a GET (a booking's accept, decline and
cancel, a date's roster) lead back to that address, as before. Personas: host X, signed out."""

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, reverse

from outings.bookings.models import Booking
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import ListingFactory, ScheduleFactory
from outings.hosting import urls as hosting_urls
from outings.hosting.tests.fixtures import png
from outings.hosting.tests.test_review_session23_signed_out_host_buttons import (
    PASSWORD,
    signed_out_host,
)
from outings.hosting.tests.test_roster import booked
from outings.scheduling.models import Schedule, ScheduleException, Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

__all__ = ["signed_out_host"]  # the fixture, imported for the tests below


def _press_signed_out_without_referer_then_sign_in(
    path: str, user: Any, data: dict[str, Any]
) -> Any:
    """POST `path` without a session and without a Referer, sign in through allauth's form where
    it sends us, and follow to the end."""
    client = Client()
    asked = client.post(path, data)
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/login/?next=")
    return client.post(asked["Location"], {"login": user.email, "password": PASSWORD}, follow=True)


@pytest.mark.parametrize(
    ("status", "action", "data"),
    [
        (Listing.Status.PUBLISHED, "pause", {}),
        (Listing.Status.PAUSED, "resume", {}),
        (Listing.Status.DRAFT, "submit", {}),
        (Listing.Status.PUBLISHED, "archive", {}),
        (Listing.Status.PUBLISHED, "archive", {"confirm": "1"}),  # "Archive for good"
    ],
)
def test_a_listings_state_buttons_lead_to_its_page_and_change_nothing(
    signed_out_host, listing, status, action, data
):
    Listing.objects.filter(pk=listing.pk).update(status=status)
    page = f"/host/listings/{listing.pk}/"

    response = _press_signed_out_without_referer_then_sign_in(
        f"{page}state/{action}/", signed_out_host.user, {"version": "1", **data}
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1] == (page, 302)
    assert 'id="listing-form"' in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == status


def test_a_photos_buttons_and_adding_photos_lead_to_the_photos_and_change_nothing(
    signed_out_host, listing, media
):
    pier = ListingPhoto.objects.create(
        listing=listing, image="a.png", width=800, height=600, position=0, alt_text="Pier"
    )
    photos = f"/host/listings/{listing.pk}/#photos"

    deleted = _press_signed_out_without_referer_then_sign_in(
        f"/host/listings/{listing.pk}/photos/{pier.pk}/",
        signed_out_host.user,
        {"version": "1", "listing_version": "1", "action": "delete"},
    )
    described = _press_signed_out_without_referer_then_sign_in(
        f"/host/listings/{listing.pk}/photos/{pier.pk}/",
        signed_out_host.user,
        {"version": "1", "listing_version": "1", "alt_text": "The pier at dawn"},
    )
    added = _press_signed_out_without_referer_then_sign_in(
        f"/host/listings/{listing.pk}/photos/",
        signed_out_host.user,
        {"images": SimpleUploadedFile("pier.png", png(), content_type="image/png")},
    )

    for response in (deleted, described, added):
        assert response.status_code == 200
        assert response.redirect_chain[-1] == (photos, 302)
    assert list(ListingPhoto.objects.values_list("alt_text", flat=True)) == ["Pier"]


def test_a_dates_places_and_cancel_lead_to_the_schedules_page_and_change_nothing(
    signed_out_host, listing, slot
):
    booked(slot, 2)
    page = f"/host/listings/{listing.pk}/schedules/"
    date_form = f"/host/listings/{listing.pk}/slots/{slot.pk}/"

    places = _press_signed_out_without_referer_then_sign_in(
        date_form, signed_out_host.user, {"version": "1", "capacity": "4"}
    )
    cancelled = _press_signed_out_without_referer_then_sign_in(
        date_form, signed_out_host.user, {"version": "1", "action": "cancel"}
    )

    for response in (places, cancelled):
        assert response.status_code == 200
        assert response.redirect_chain[-1] == (page, 302)
        assert 'id="schedule-form"' in response.content.decode()
    slot.refresh_from_db()
    assert (slot.capacity, slot.status, slot.seats_taken) == (10, Slot.Status.OPEN, 2)
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_a_rules_buttons_and_an_exceptions_undo_lead_to_the_schedules_page_and_change_nothing(
    signed_out_host, listing
):
    rule = ScheduleFactory.create(listing=listing)
    day_off = ScheduleException.objects.create(
        schedule=rule, day=date(2030, 1, 2), action=ScheduleException.Action.CANCEL
    )
    page = f"/host/listings/{listing.pk}/schedules/"
    rule_form = f"{page}{rule.pk}/"

    removed = _press_signed_out_without_referer_then_sign_in(
        rule_form, signed_out_host.user, {"version": "1", "action": "delete"}
    )
    excepted = _press_signed_out_without_referer_then_sign_in(
        rule_form, signed_out_host.user, {"day": "2030-01-09", "action": "cancel"}
    )
    undone = _press_signed_out_without_referer_then_sign_in(
        f"/host/listings/{listing.pk}/exceptions/{day_off.pk}/delete/", signed_out_host.user, {}
    )

    for response in (removed, excepted, undone):
        assert response.status_code == 200
        assert response.redirect_chain[-1] == (page, 302)
    assert list(Schedule.objects.values_list("pk", flat=True)) == [rule.pk]
    assert list(ScheduleException.objects.values_list("pk", flat=True)) == [day_off.pk]


def test_the_forms_whose_address_answers_a_get_lead_back_to_it_and_change_nothing(
    signed_out_host, listing, slot
):
    """The control: a booking's accept (and decline, cancel) and a date's roster (its cancel)
    post to the page that shows them, which answers the GET after signing in."""
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    request = booked(slot, 2)
    booking_page = f"/host/bookings/{request.reference}/"
    roster = f"/host/slots/{slot.pk}/roster/"

    accepted = _press_signed_out_without_referer_then_sign_in(
        booking_page, signed_out_host.user, {"action": "accept"}
    )
    cancelled = _press_signed_out_without_referer_then_sign_in(
        roster, signed_out_host.user, {"version": "1"}
    )

    assert accepted.status_code == 200
    assert accepted.redirect_chain[-1] == (booking_page, 302)
    assert cancelled.status_code == 200
    assert cancelled.redirect_chain[-1] == (roster, 302)
    assert Booking.objects.get().status == Booking.Status.REQUESTED
    slot.refresh_from_db()
    assert slot.status == Slot.Status.OPEN


def test_a_referer_of_this_site_still_wins(signed_out_host, listing):
    """The control: with a Referer, signing in leads back to the page the button was on (here
    the dashboard, as another host page with the form would)."""
    client = Client()

    asked = client.post(
        f"/host/listings/{listing.pk}/state/pause/",
        {"version": "1"},
        headers={"Referer": "http://testserver/host/"},
    )

    assert asked["Location"] == "/accounts/login/?next=/host/"


def test_another_hosts_listing_is_still_not_found_after_signing_in(signed_out_host, listing):
    theirs = ListingFactory.create()
    Listing.objects.filter(pk=theirs.pk).update(status=Listing.Status.PUBLISHED)

    response = _press_signed_out_without_referer_then_sign_in(
        f"/host/listings/{theirs.pk}/state/pause/", signed_out_host.user, {"version": "1"}
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Listing.Status.PUBLISHED


def _host_paths(ids: dict[str, object]) -> dict[str, str]:
    """Every host page's address (outings.hosting.urls), its ids filled in from `ids`."""
    paths = {}
    for pattern in hosting_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        names = pattern.pattern.converters.keys()
        paths[str(pattern.name)] = reverse(
            f"hosting:{pattern.name}", kwargs={name: ids[name] for name in names}
        )
    return paths


def test_every_host_form_sent_signed_out_leads_to_a_page_that_answers_once_signed_in(
    signed_out_host, listing, slot
):
    """Every host address a POST signed out without a Referer is sent to sign in from (all but
    the public ones), walked: a new POST-only one whose form page is not named fails here."""
    rule = ScheduleFactory.create(listing=listing)
    exception = ScheduleException.objects.create(
        schedule=rule, day=date(2030, 1, 2), action=ScheduleException.Action.CANCEL
    )
    photo = ListingPhoto.objects.create(
        listing=listing, image="a.png", width=800, height=600, position=0, alt_text="Pier"
    )
    booking = booked(slot, 2)
    paths = _host_paths(
        {
            "pk": listing.pk,
            "action": "pause",
            "photo_id": photo.pk,
            "schedule_id": rule.pk,
            "exception_id": exception.pk,
            "slot_id": slot.pk,
            "reference": booking.reference,
        }
    )
    answers = {}
    for name, path in paths.items():
        asked = Client().post(path, {})
        if not asked.get("Location", "").startswith("/accounts/login/?next="):
            answers[name] = "public"  # a host's public page: answered without a session
            continue
        response = _press_signed_out_without_referer_then_sign_in(path, signed_out_host.user, {})
        answers[name] = response.status_code

    assert answers == {name: "public" if name == "public_profile" else 200 for name in paths}
