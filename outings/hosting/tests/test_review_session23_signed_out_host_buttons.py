"""Review (session 23): a button on a host's page pressed after the session ended (a tab left
open, signed out in another tab) sent the host to sign in with `next` set to the button's own
address, and signing in went on there with a GET: "Pause" on the listing page (a POST-only
action) ended on a 405, an empty page. As on the guest's booking pages
(outings.accounts.requests.login_required_back_to_the_form), signing in now leads back to the
page the button was on, where the host presses again; nothing was done. Personas: host X,
signed out."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from outings.catalog.models import Listing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

PASSWORD = "a-long-pass-phrase-9"


@pytest.fixture
def signed_out_host(host: Any) -> Any:
    host.user.set_password(PASSWORD)
    host.user.save(update_fields=["password"])
    EmailAddress.objects.create(user=host.user, email=host.user.email, verified=True, primary=True)
    return host


def _press_signed_out_then_sign_in(path: str, user: Any, *, referer: str | None) -> Any:
    client = Client()
    asked = client.post(path, {"version": "1"}, headers={"Referer": referer} if referer else None)
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/login/?next=")
    return client.post(asked["Location"], {"login": user.email, "password": PASSWORD}, follow=True)


def test_pause_pressed_signed_out_leads_back_to_the_listing_page_and_pauses_nothing(
    signed_out_host, listing
):
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.PUBLISHED)
    page = f"/host/listings/{listing.pk}/"

    response = _press_signed_out_then_sign_in(
        f"{page}state/pause/", signed_out_host.user, referer=f"http://testserver{page}"
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1] == (page, 302)
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED


def test_another_sites_referer_is_not_followed(signed_out_host, listing):
    # Control: the Referer of another site is ignored, as no Referer is: the listing's page,
    # where "Pause" is (the button's own address until session 24,
    # test_review_session24_signed_out_host_no_referer.py).
    page = f"/host/listings/{listing.pk}/"

    client = Client()
    asked = client.post(
        f"{page}state/pause/", {"version": "1"}, HTTP_REFERER="https://evil.example/host/"
    )

    assert asked.status_code == 302
    assert "evil.example" not in asked["Location"]
    assert asked["Location"] == f"/accounts/login/?next={page}"
