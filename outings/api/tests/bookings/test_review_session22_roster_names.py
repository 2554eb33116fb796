"""Review (session 22): a guest who gave no name was listed on the host's roster through the API
(`GET /host/slots/{id}/roster`) with an empty `guest_name`, where the host's bookings
(`GET /host/bookings/{reference}`) name them by their address: the same guest, two answers, one
of them blank. The roster names them as the bookings do."""

from collections.abc import Callable

from django.test import Client

from outings.accounts.models import User
from outings.api.tests.bookings.support import booked, client_of
from outings.catalog.tests.factories import UserFactory
from outings.scheduling.models import Slot


def test_the_roster_names_a_guest_without_a_name_as_the_bookings_do(
    x: Client, slot: Slot, token_for: Callable[[User], str]
) -> None:
    nameless = UserFactory.create(first_name="", last_name="", email="quiet@example.org")
    reference = booked(client_of(nameless, token_for), slot, seats=1)

    roster = x.get(f"/api/v1/host/slots/{slot.pk}/roster").json()
    one = x.get(f"/api/v1/host/bookings/{reference}").json()

    assert one["guest_name"] == "quiet@example.org"
    assert [(i["reference"], i["guest_name"]) for i in roster["items"]] == [
        (reference, "quiet@example.org")
    ]
