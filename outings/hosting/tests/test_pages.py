import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.accounts.services import reinstate_host, suspend_host
from outings.catalog import services as catalog_services
from outings.catalog.models import AuditEntry, Listing, ListingPhoto
from outings.catalog.photos.services import add_photo
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.common.outbox.testing import deliver
from outings.hosting.tests.fixtures import PDF, listing_data, png
from outings.scheduling.models import Schedule, Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "media", "nudges")]

LISTING_FORM = {
    "title": "Harbour walk",
    "category": "tours",
    "summary": "A walk along the harbour.",
    "description": "We walk **slowly**. <script>alert(1)</script>",
    "tags": "harbour, history",
    "languages": "en, de",
    "duration_minutes": "90",
    "price": "25.50",
    "currency": "EUR",
    "min_group_size": "1",
    "max_group_size": "8",
    "address": "Am Kupfergraben 1",
    "city": "Berlin",
    "country_code": "de",
    "latitude": "52.52",
    "longitude": "13.395",
    "meeting_point": "By the bridge",
    "cancellation_policy": "strict",
    "included": "Coffee",
    "requirements": "",
}


def test_signing_up_verifying_the_address_and_becoming_a_host(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "ada@example.org",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert mail.outbox == []  # queued in the outbox, sent by a worker
    deliver("urgent")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", str(mail.outbox[0].body))
    assert link is not None

    path = urlsplit(link.group(0)).path  # the link is on SITE_URL
    assert client.post(path).status_code == 302
    become = client.post(
        "/host/become/", {"display_name": "Ada", "city": "Berlin", "languages": "en, de"}
    )

    assert become.status_code == 302
    host = HostProfile.objects.get(user__email="ada@example.org")
    assert (host.display_name, host.languages) == ("Ada", ["en", "de"])
    assert client.get("/host/").status_code == 200


def test_an_unverified_address_cannot_log_in(client):
    client.post(
        "/accounts/signup/",
        {
            "email": "bob@example.org",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    client.logout()

    response = client.post(
        "/accounts/login/", {"login": "bob@example.org", "password": "a-long-pass-phrase"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_a_guest_is_sent_to_become_a_host_and_bad_input_changes_nothing(client):
    client.force_login(UserFactory.create())

    assert client.get("/host/")["Location"] == "/host/become/"
    response = client.post("/host/become/", {"display_name": "", "languages": "xx"})

    assert response.status_code == 400
    assert not HostProfile.objects.exists()


def test_creating_a_listing_from_the_form(host_client, host):
    response = host_client.post("/host/listings/new/", LISTING_FORM)

    assert response.status_code == 302
    listing = Listing.objects.get(host=host)
    assert (listing.price_amount, listing.currency, listing.country_code) == (2550, "EUR", "DE")
    assert "<script" not in listing.description_html
    assert listing.time_zone == "Europe/Berlin"


def test_every_bad_field_is_reported_and_nothing_is_stored(host_client):
    bad = {**LISTING_FORM, "price": "-1", "latitude": "nan", "currency": "XXX", "title": ""}

    response = host_client.post("/host/listings/new/", bad)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"price", "latitude", "currency", "title"} <= set(errors)
    assert not Listing.objects.exists()


def test_an_edit_based_on_an_old_version_shows_what_changed(host_client, host):
    listing = catalog_services.create_listing(host=host, data=listing_data(), actor=host.user)
    catalog_services.update_listing(
        host=host,
        listing_id=listing.pk,
        expected_version=1,
        data=listing_data(title="Changed by my partner"),
        actor=host.user,
    )

    response = host_client.post(
        f"/host/listings/{listing.pk}/", {**LISTING_FORM, "version": "1", "title": "Mine"}
    )

    assert response.status_code == 409
    changes = {c["label"]: (c["current"], c["yours"]) for c in response.context["changes"]}
    assert changes["Title"] == ("Changed by my partner", "Mine")
    assert response.context["form"].initial["version"] == 2
    listing.refresh_from_db()
    assert (listing.title, listing.version) == ("Changed by my partner", 2)


def test_submitting_from_the_page(host_client, host):
    listing = catalog_services.create_listing(host=host, data=listing_data(), actor=host.user)

    response = host_client.post(
        f"/host/listings/{listing.pk}/state/submit/", {"version": listing.version}
    )

    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/host/listings/{listing}/"),
        ("post", "/host/listings/{listing}/"),
        ("post", "/host/listings/{listing}/state/submit/"),
        ("post", "/host/listings/{listing}/state/archive/"),
        ("post", "/host/listings/{listing}/photos/"),
        ("post", "/host/listings/{listing}/photos/{photo}/"),
        ("get", "/host/listings/{listing}/schedules/"),
        ("post", "/host/listings/{listing}/schedules/"),
        ("post", "/host/listings/{listing}/schedules/{schedule}/"),
        ("post", "/host/listings/{listing}/slots/{slot}/"),
    ],
)
def test_another_hosts_listing_is_not_found_everywhere(host_client, method, path):
    other = ListingFactory.create(status=Listing.Status.DRAFT)
    photo = ListingPhoto.objects.create(listing=other, image="x.png", width=1, height=1)
    schedule = Schedule.objects.create(
        listing=other, weekdays=[0], start_times=["10:00"], valid_from="2030-01-01", capacity=3
    )
    slot = SlotFactory.create(listing=other)
    url = path.format(listing=other.pk, photo=photo.pk, schedule=schedule.pk, slot=slot.pk)

    response = getattr(host_client, method)(url, {"action": "delete", "capacity": "1"})

    assert response.status_code == 404
    assert Listing.objects.get(pk=other.pk).status == Listing.Status.DRAFT
    assert ListingPhoto.objects.filter(pk=photo.pk).exists()
    assert Schedule.objects.filter(pk=schedule.pk).exists()


def test_uploading_photos_keeps_the_good_ones_and_names_the_bad(host_client, host):
    listing = ListingFactory.create(host=host, status=Listing.Status.DRAFT)
    files = [
        ("one.png", png()),
        ("two.png", png(color="navy")),
        ("lying.jpg", PDF),
    ]
    uploads = [SimpleUploadedFile(name, content) for name, content in files]

    response = host_client.post(
        f"/host/listings/{listing.pk}/photos/", {"photos": uploads}, follow=True
    )

    assert ListingPhoto.objects.filter(listing=listing).count() == 2
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("lying.jpg: ") for m in shown)


def test_the_dashboard_shows_states_next_slots_and_what_needs_attention(
    host_client, host, django_assert_max_num_queries
):
    staff = UserFactory.create(is_staff=True, permissions=["hosting.change_listingreview"])
    rejected = ListingFactory.create(
        host=host, status=Listing.Status.SUBMITTED, title="Rejected walk"
    )
    catalog_services.reject_listing(staff=staff, listing_id=rejected.pk, reason="Blurry photo")
    live = ListingFactory.create(host=host, title="Live walk")
    SlotFactory.create(listing=live, capacity=10, seats_taken=4)
    ListingPhoto.objects.create(
        listing=live, image="x.png", width=1, height=1, status=ListingPhoto.Status.FAILED
    )
    for _ in range(5):
        SlotFactory.create(listing=ListingFactory.create(host=host))

    # One more than the 8 of when the page read every listing: the listings sent back are now
    # a bounded read of their own, not picked from the (now paged) listings.
    with django_assert_max_num_queries(9):
        response = host_client.get("/host/")

    page = response.content.decode()
    assert "Blurry photo" in page
    assert "could not be prepared" in page
    assert "4/10" in page
    assert "Published" in page
    assert "Draft" in page


def test_a_suspended_hosts_listings_and_profile_vanish_at_once(client, host):
    listing = ListingFactory.create(host=host)
    assert client.get(f"/things-to-do/{listing.pk}/").status_code == 200
    assert client.get(f"/host/people/{host.pk}/").status_code == 200

    suspend_host(
        staff=UserFactory.create(is_staff=True, permissions=["hosting.change_hostmoderation"]),
        host_id=host.pk,
        reason="Spam",
        now=timezone.now(),
    )

    assert client.get(f"/things-to-do/{listing.pk}/").status_code == 404
    assert client.get(f"/host/people/{host.pk}/").status_code == 404
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.host, entry.note) == ("host_suspended", host, "Spam")


def test_suspending_a_suspended_host_again_changes_nothing(host):
    """Two staff (or one host selected twice) suspend the same host: the suspension keeps its
    first date and reason, and the audit has one entry, not one from a state to itself."""
    staff = UserFactory.create(is_staff=True, permissions=["hosting.change_hostmoderation"])
    first = timezone.now()
    suspend_host(staff=staff, host_id=host.pk, reason="Spam", now=first)

    suspend_host(staff=staff, host_id=host.pk, reason="Spam again", now=first + timedelta(hours=1))
    reinstate_host(staff=staff, host_id=host.pk)
    reinstate_host(staff=staff, host_id=host.pk)

    entries = list(AuditEntry.objects.order_by("id").values_list("action", "from_status", "note"))
    assert entries == [
        ("host_suspended", "active", "Spam"),
        ("host_reinstated", "suspended", ""),
    ]


def test_adding_a_weekly_schedule_from_the_page(host_client, host):
    listing = ListingFactory.create(host=host, time_zone="Europe/Berlin", duration_minutes=60)
    form = {
        "kind": "weekly",
        "weekdays": ["1", "3"],
        "start_times": "10:00, 15:30",
        "valid_from": timezone.localdate().isoformat(),
        "capacity": "6",
    }

    response = host_client.post(f"/host/listings/{listing.pk}/schedules/", form)
    overlapping = host_client.post(
        f"/host/listings/{listing.pk}/schedules/", {**form, "start_times": "10:30"}
    )

    assert response.status_code == 302
    assert Slot.objects.filter(listing=listing).count() > 30
    assert overlapping.status_code == 409  # schedule_overlap, as the API answers it
    assert Schedule.objects.filter(listing=listing).count() == 1


def test_staff_approve_in_the_admin(client, host):
    staff = User.objects.create_superuser("boss", "boss@example.org", "pw")
    client.force_login(staff)
    listing = ListingFactory.create(
        host=host, status=Listing.Status.SUBMITTED, title="Harbour walk", version=3
    )
    selected = {"action": "approve", "_selected_action": [str(listing.pk)]}

    shown = client.post("/admin/hosting/listingreview/", selected)
    response = client.post(
        "/admin/hosting/listingreview/", {**selected, "confirm": "1", f"version_{listing.pk}": "3"}
    )

    assert shown.status_code == 200
    assert "Harbour walk" in shown.content.decode()
    assert f'name="version_{listing.pk}" value="3"' in shown.content.decode()
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED
    assert AuditEntry.objects.get().actor == staff


def test_staff_approval_publishes_nothing_the_host_changed_after_it_was_shown(client, host):
    staff = User.objects.create_superuser("boss", "boss@example.org", "pw")
    client.force_login(staff)
    listing = ListingFactory.create(host=host, status=Listing.Status.SUBMITTED, version=3)
    selected = {"action": "approve", "_selected_action": [str(listing.pk)]}
    client.post("/admin/hosting/listingreview/", selected)

    Listing.objects.filter(pk=listing.pk).update(title="Something else entirely", version=4)
    response = client.post(
        "/admin/hosting/listingreview/",
        {**selected, "confirm": "1", f"version_{listing.pk}": "3"},
        follow=True,
    )

    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED
    assert not AuditEntry.objects.exists()
    assert (
        "The listing is at version 4; your edit was based on version 3."
        in response.content.decode()
    )


def test_staff_approval_without_the_review_page_publishes_nothing(client, host):
    staff = User.objects.create_superuser("boss", "boss@example.org", "pw")
    client.force_login(staff)
    listing = ListingFactory.create(host=host, status=Listing.Status.SUBMITTED)

    client.post(
        "/admin/hosting/listingreview/",
        {"action": "approve", "_selected_action": [str(listing.pk)], "confirm": "1"},
    )

    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED


def test_the_photo_snippet_shows_a_placeholder_then_the_renditions(host):
    listing = ListingFactory.create(host=host)
    content = png()
    add_photo(host=host, listing_id=listing.pk, file=io.BytesIO(content), size=len(content))
    template = Template("{% load hosting %}{% listing_photos listing %}")

    before = template.render(Context({"listing": listing}))
    deliver("slow")
    after = template.render(Context({"listing": listing}))

    assert "Photo being prepared" in before
    assert 'type="image/webp"' in after
    assert "/card.jpg" in after


def test_a_suspended_host_saving_their_profile_is_told_with_a_403(host, host_client):
    """A page answers a service's refusal with its status, as the API does: a suspended host
    changes nothing (403 host_suspended), not a 400 for a form they filled in correctly."""
    host.suspended_at = timezone.now()
    host.save(update_fields=["suspended_at"])

    response = host_client.post("/host/profile/", {"display_name": "Ada", "languages": "en"})

    assert response.status_code == 403
    host.refresh_from_db()
    assert host.display_name != "Ada"


@pytest.mark.parametrize(
    ("language", "spoken"), [("en", "German, Spanish, xx"), ("de", "Deutsch, Spanisch, xx")]
)
def test_a_hosts_public_page_names_the_languages_they_speak_in_the_pages_language(
    client, language, spoken
):
    host = HostProfileFactory.create(languages=["de", "es", "xx"])

    response = client.get(f"/host/people/{host.pk}/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert f"<dd>{spoken}</dd>" in response.content.decode()
