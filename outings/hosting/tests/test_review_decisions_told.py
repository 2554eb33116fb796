"""Staff decide about a listing in the admin (Hosting → Listings to review: "Approve and
publish…", "Send back to the host…", the only place staff do); its host hears of it in the inbox
and by mail (sent by the outbox relay to a real SMTP server), each with the link that leads on:
the page to edit and submit again, then the published listing."""

import pytest
from django.conf import settings
from django.test import Client

from outings.accounts.models import HostProfile, User
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, UserFactory
from outings.notifications.models import Notification
from outings.notifications.tests.test_review_mail import deliver, text_of, to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

REVIEW = "/admin/hosting/listingreview/"
Status = Listing.Status


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def link_in(body: str, label: str) -> str:
    """The path of the link the mail's text gives after `label: `, on the site's address."""
    [line] = [line for line in body.splitlines() if line.startswith(f"{label}: ")]
    url = line.removeprefix(f"{label}: ")
    assert url.startswith(settings.SITE_URL + "/")
    return url.removeprefix(settings.SITE_URL)


def test_sent_back_edited_submitted_again_and_approved_the_host_hears_each_step(
    staff_client, host: HostProfile, host_client: Client, sink
):
    user = host.user
    listing = ListingFactory.create(host=host, status=Status.DRAFT, title="Harbour walk")
    host_client.post(
        f"/host/listings/{listing.pk}/state/submit/",
        {"version": Listing.objects.get(pk=listing.pk).version},
    )
    selected = {"_selected_action": [str(listing.pk)]}

    asked = staff_client.post(REVIEW, {**selected, "action": "reject"})
    sent_back = staff_client.post(
        REVIEW, {**selected, "action": "reject", "reason": "Say where to meet."}
    )

    assert (asked.status_code, sent_back.status_code) == (200, 302)
    [mail] = to(deliver(sink), user)
    assert mail["Subject"] == "Listing needs changes: Harbour walk"
    body = text_of(mail)
    assert "Our team's note: Say where to meet." in body
    edit = link_in(body, "Edit and submit again")
    assert edit == f"/host/listings/{listing.pk}/"
    page = host_client.get(edit)
    assert page.status_code == 200
    assert "Say where to meet." in page.content.decode()

    host_client.post(
        f"/host/listings/{listing.pk}/state/submit/",
        {"version": Listing.objects.get(pk=listing.pk).version},
    )
    version = Listing.objects.get(pk=listing.pk).version
    staff_client.post(REVIEW, {**selected, "action": "approve"})
    staff_client.post(
        REVIEW, {**selected, "action": "approve", "confirm": "1", f"version_{listing.pk}": version}
    )

    [_, mail] = to(deliver(sink), user)
    assert mail["Subject"] == "Listing approved: Harbour walk"
    live = link_in(text_of(mail), "See it on the site")
    shown = Client().get(live)
    assert shown.status_code == 200
    assert "Harbour walk" in shown.content.decode()
    assert list(
        Notification.objects.filter(user=user).order_by("pk").values_list("kind", "url")
    ) == [("listing.rejected", edit), ("listing.approved", live)]
    inbox = host_client.get("/notifications/").content.decode()
    walk = '<span lang="en">Harbour walk</span>'
    assert f"“{walk}” needs changes before it can be published. Our team&#x27;s note: Say" in inbox
    assert f"“{walk}” is now published." in inbox


def test_an_approval_that_publishes_one_of_two_listings_tells_that_ones_host_only(
    staff_client, sink
):
    """A listing its host changed after the review page was shown stays submitted (staff are
    told): its host hears nothing, the other's host hears of the approval."""
    kept, changed = (ListingFactory.create(status=Status.SUBMITTED) for _ in range(2))
    selected = {"_selected_action": [str(kept.pk), str(changed.pk)], "action": "approve"}
    staff_client.post(REVIEW, selected)
    Listing.objects.filter(pk=changed.pk).update(title="Changed meanwhile", version=2)

    staff_client.post(
        REVIEW,
        {**selected, "confirm": "1", f"version_{kept.pk}": "1", f"version_{changed.pk}": "1"},
    )

    kept_host = User.objects.get(host_profile__pk=kept.host_id)
    assert list(Notification.objects.values_list("user_id", "kind")) == [
        (kept_host.pk, "listing.approved")
    ]
    assert [mail["To"] for mail in deliver(sink)] == [kept_host.email]
