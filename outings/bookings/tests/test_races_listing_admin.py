"""A guest holding seats while the date's listing is edited: by staff in the admin (a new time
zone), by its host (a new duration).

The listing admin tries what the change does to the dates when the form is checked (refusing,
on the form, a change that would move a booked date) and applies it when the listing is saved,
in the same transaction. A hold committed between the two turned the save into a
SlotHasBookings that nothing caught: a 500 for staff. The dates the change moves stay locked from
the trial to the save, so a hold waits for the save and lands on the date at its new time.

Both edits lock the listing's row, then its dates. A hold locks its date, then inserts the
booking, whose key to the listing takes a key-share lock on the listing's row: with the edit's
FOR UPDATE that waited, and the two waited for each other (PostgreSQL's deadlock detector failed
one, a 500). Edits never change the listing's key: they lock it FOR NO KEY UPDATE, which a
booking's key-share does not wait for."""

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.services import core, holds
from outings.bookings.tests.test_review_session14 import save_listing_in_admin
from outings.catalog import services as catalog_services
from outings.catalog.admin import ListingAdmin
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, SlotFactory, UserFactory
from outings.common.tests.connections import in_thread
from outings.hosting.tests.fixtures import categories, listing_data  # noqa: F401 - a fixture
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_hold_taken_while_staff_save_a_new_zone_waits_and_lands_on_the_moved_date(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime(2031, 7, 5, 14, 0, tzinfo=UTC)  # 10:00 in Toronto
    slot = SlotFactory.create(starts_at=start, ends_at=start + timedelta(minutes=90))
    listing = Listing.objects.get(pk=slot.listing_id)
    Listing.objects.filter(pk=listing.pk).update(time_zone="America/Toronto")
    listing.refresh_from_db()
    guest = UserFactory.create()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    outcome: dict[str, Any] = {}

    def hold(guest: User) -> None:
        close_old_connections()
        try:
            outcome["booking"] = services.hold_seats(
                guest=guest, slot_id=slot.pk, seats=1, now=timezone.now()
            )
        except Exception as error:  # noqa: BLE001 - reported by the test below
            outcome["error"] = error
        finally:
            connection.close()

    guest_thread = threading.Thread(target=hold, args=(guest,))
    save_model = ListingAdmin.save_model

    def save_after_a_hold(self: ListingAdmin, *args: Any) -> None:
        # The form was checked (and its trial rolled back); the guest's hold comes now, from
        # another connection, before the listing and its dates are written.
        guest_thread.start()
        guest_thread.join(timeout=2)
        save_model(self, *args)

    monkeypatch.setattr(ListingAdmin, "save_model", save_after_a_hold)

    page = save_listing_in_admin(client, listing, time_zone="Europe/Berlin")
    guest_thread.join(timeout=30)

    assert page == ""  # saved: a redirect, not an error page
    assert "error" not in outcome, outcome.get("error")
    slot.refresh_from_db()
    assert slot.starts_at == datetime(2031, 7, 5, 8, 0, tzinfo=UTC)  # 10:00 in Berlin
    assert slot.seats_taken == 1
    assert Slot.objects.get(pk=slot.pk).bookings.get().pk == outcome["booking"].pk


@pytest.mark.usefixtures("categories")
def test_a_hosts_new_duration_and_a_hold_on_one_of_its_dates_never_deadlock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host_user = UserFactory.create()
    host = HostProfileFactory.create(user=host_user)
    listing = catalog_services.create_listing(host=host, data=listing_data(), actor=host_user)
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.PUBLISHED)
    start = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    slot = SlotFactory.create(
        listing=listing, starts_at=start, ends_at=start + timedelta(minutes=90)
    )
    guest = UserFactory.create()
    seats_taken, go_on = threading.Event(), threading.Event()
    new_booking = core.new_booking  # what holds.py imported

    def booking_after_the_edit_began(**kwargs: Any) -> Any:
        # The hold has taken its seats (the date's row is locked); the host's edit starts now.
        seats_taken.set()
        go_on.wait(timeout=10)
        return new_booking(**kwargs)

    monkeypatch.setattr(holds, "new_booking", booking_after_the_edit_began)
    outcome: dict[str, Any] = {}

    guest_thread = in_thread(
        outcome,
        "hold",
        lambda: services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=timezone.now()),
    )
    assert seats_taken.wait(timeout=10)
    host_thread = in_thread(
        outcome,
        "edit",
        lambda: catalog_services.update_listing(
            host=host,
            listing_id=listing.pk,
            expected_version=listing.version,
            data=listing_data(duration_minutes=150),
            actor=host_user,
        ),
    )
    host_thread.join(timeout=1)  # the edit now waits for the date's row
    go_on.set()
    guest_thread.join(timeout=30)
    host_thread.join(timeout=30)

    assert not isinstance(outcome["hold"], Exception), outcome["hold"]
    assert not isinstance(outcome["edit"], Exception), outcome["edit"]
    slot.refresh_from_db()
    assert (slot.seats_taken, slot.ends_at) == (1, start + timedelta(minutes=150))
