"""Review (session 10) of the host's pages and their staff moderation: each test names what goes
wrong today and why it is wrong."""

from datetime import time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from outings.accounts.models import HostProfile
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, ScheduleFactory, UserFactory
from outings.hosting.tests.fixtures import png, use_media
from outings.scheduling.models import ScheduleException

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


def text(response: Any) -> str:
    return str(response.content.decode())


@pytest.fixture
def staff_browser() -> Client:
    """A superuser in the admin, answering 500s as a browser would see them."""
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_a_refused_exception_on_the_german_schedules_page_is_all_german(
    host_client: Client, host: HostProfile
) -> None:
    """A German host who picks a past day (or a day that already has an exception) under
    "Einen Tag absagen oder verschieben" is refused by add_schedule_exception with
    `InvalidSchedule(fields=...)`: its message is the class default "The schedule is not valid."
    (outings/scheduling/rules.py:34), a plain string neither marked with gettext_noop nor in any
    catalogue. views/schedules.py `_report` puts `message_of(error)` before the German field
    message, so the page reads "The schedule is not valid. Wähle einen Tag von heute bis zehn
    Jahre im Voraus." The same English sentence heads a refused capacity on that page
    (change_slot), and ScheduleOverlap, SlotHasBookings and CapacityBelowSeatsTaken have
    untranslated defaults too. Every other string on the page is German."""
    listing = ListingFactory.create(host=host)
    schedule = ScheduleFactory.create(
        listing=listing, weekdays=[0, 1, 2, 3, 4, 5, 6], start_times=[time(10)]
    )
    host_client.cookies["django_language"] = "de"

    response = host_client.post(
        f"/host/listings/{listing.pk}/schedules/{schedule.pk}/",
        {"day": "2020-01-06", "action": "cancel"},
        follow=True,
    )

    page = text(response)
    assert not ScheduleException.objects.exists()  # refused
    assert "Zeitpläne und Termine" in page  # the German page
    assert "Wähle einen Tag von heute bis zehn Jahre im Voraus." in page  # the field's message
    assert "The schedule is not valid." not in page
    # Headed by what was refused, the day (session 14): the rule itself is fine.
    assert "Der Zeitplan ist ungültig" not in page
    assert "Dieser Tag kann so nicht abgesagt oder verschoben werden." in page


def test_sending_a_listing_back_with_a_nul_in_the_reason_is_no_500(
    staff_browser: Client, host: HostProfile
) -> None:
    """Staff's "Send back to the host…" (hosting/admin.py `reject`) passes the reason typed on
    the intermediate page straight to catalog_services.reject_listing, which strips it and
    writes it to AuditEntry.note and Listing.rejection_reason. A reason with a NUL character
    (pasted text, a crafted post) reaches PostgreSQL, which refuses it: psycopg's DataError is
    no DomainError, `_run` does not catch it, and staff get a 500 (DESIGN.md invariant 8: no
    input produces a 500). Refuse it as a bad reason (or strip it) before the database."""
    listing = ListingFactory.create(host=host, status=Listing.Status.SUBMITTED)

    response = staff_browser.post(
        "/admin/hosting/listingreview/",
        {"action": "reject", "_selected_action": [listing.pk], "reason": "Add a photo\x00."},
    )

    assert response.status_code < 500
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED


def test_suspending_a_host_with_a_nul_in_the_reason_is_no_500(
    staff_browser: Client, host: HostProfile
) -> None:
    """Staff's "Suspend (hide their listings at once)…" (hosting/admin.py `suspend`) hands the
    reason to account_services.suspend_host, which writes it to AuditEntry.note unchecked; the
    action calls the service without catching anything. A reason with a NUL character makes
    PostgreSQL refuse the INSERT and staff get a 500 instead of a message (DESIGN.md invariant 8).
    Check the reason in the service (as reject_listing checks that there is one)."""
    response = staff_browser.post(
        "/admin/hosting/hostmoderation/",
        {"action": "suspend", "_selected_action": [host.pk], "reason": "Spam\x00"},
    )

    assert response.status_code < 500
    host.refresh_from_db()
    assert host.suspended_at is None


def test_the_photo_chosen_when_becoming_a_host_is_kept(
    client: Client, settings: Any, tmp_path: Any
) -> None:
    """ "Become a host" (/host/become/) shows HostProfileForm, photo field included, and
    docs/hosting.md says it "creates the public host profile: name, photo, bio, languages
    spoken, city". But become.html's form has no enctype="multipart/form-data" (a browser sends
    only the file's name), views/profile.py `become_host` builds the form without request.FILES,
    and accounts.services.become_host takes no photo: the new host picks a portrait, is told
    "You are a host now" and their public page has no photo. Either keep the photo (multipart
    form, FILES, the same checks as update_host_profile) or do not offer the field."""
    use_media(settings, tmp_path / "media")
    user = UserFactory.create()
    client.force_login(user)
    page = text(client.get("/host/become/"))
    assert 'type="file" name="photo"' in page  # the page offers a photo

    response = client.post(
        "/host/become/",
        {"display_name": "Ann", "photo": SimpleUploadedFile("me.png", png(), "image/png")},
    )

    assert response.status_code == 302
    host = HostProfile.objects.get(user=user)
    assert host.photo
    assert 'enctype="multipart/form-data"' in page  # so that a browser sends the file at all
