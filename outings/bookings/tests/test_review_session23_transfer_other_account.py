"""Review (session 23): a transfer link opened while signed in with another account (a second
address of one's own, a shared computer) answered a 404 that said "log in with that address",
and nothing on it did that: the guest had to log out, go back to the mail and open its link
again. The page now has "Log out and log in with that address", which signs them out and
takes them to log in with `next` set to the link, so that signing in lands on it. Nothing of
the booking is shown before. Personas: Ada, who owns the booking; Bee, to whom it was sent;
Bee's other account."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Transfer
from outings.catalog.tests.factories import UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"


@pytest.fixture
def link(guest: User, slot: Slot) -> str:
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=held.reference, to_email="bee@example.org", now=timezone.now()
    )
    return f"/bookings/transfer/{secret}/"


def test_the_link_opened_with_another_account_leads_to_log_in_and_back(link: str) -> None:
    bee = UserFactory.create(email="bee@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=bee, email=bee.email, verified=True, primary=True)
    browser = Client()
    browser.force_login(UserFactory.create(email="bee.at.work@example.org"))

    refused = browser.get(link)

    main = refused.content.decode().split("<main", 1)[1]
    assert refused.status_code == 404
    assert "Accept the booking" not in main
    assert 'action="/accounts/logout/"' in main
    assert f'name="next" value="/accounts/login/?next={link}"' in main
    logged_out = browser.post("/accounts/logout/", {"next": f"/accounts/login/?next={link}"})
    assert logged_out["Location"] == f"/accounts/login/?next={link}"
    landed = browser.post(
        logged_out["Location"], {"login": bee.email, "password": PASSWORD}, follow=True
    )
    assert landed.redirect_chain[-1] == (link, 302)
    assert landed.status_code == 200
    assert "Accept the booking" in landed.content.decode()
    assert Transfer.objects.get().status == Transfer.Status.PENDING


def test_an_unknown_link_offers_no_other_account(guest_client: Client) -> None:
    """The control: a link that is no good whoever signs in has nothing to log in for."""
    response = guest_client.get("/bookings/transfer/" + "x" * 32 + "/")

    assert response.status_code == 404
    assert 'action="/accounts/logout/"' not in response.content.decode().split("<main", 1)[1]
