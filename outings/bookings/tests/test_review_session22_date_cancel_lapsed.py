"""Review (session 22): a host (or staff, or the minimum's cut-off) cancelling a whole date
cancelled every booking whose row still read held or requested, also a hold or request whose
time had run out before the sweep recorded it: its guest, whose booking page read "Expired",
was mailed "Booking cancelled" by the host, and a request the host had let lapse was recorded
as cancelled by the host, counted against them. A single booking's cancellation already refuses
those (it is over); the date's now lapses them, as the sweep would, and cancels the rest."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.notifications.models import Notification
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def _kinds(user: User) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True)
    )


@pytest.mark.parametrize(
    ("instant", "ago", "lapsed_as"),
    [
        (True, timedelta(hours=1), Booking.Status.EXPIRED),  # a hold lasts 10 minutes
        (False, timedelta(hours=25), Booking.Status.DECLINED),  # a request, 24 hours
    ],
    ids=["hold", "request"],
)
def test_cancelling_a_date_lapses_what_ran_out_and_cancels_the_rest(
    host: HostProfile,
    listing: Listing,
    slot: Slot,
    guest: User,
    other_guest: User,
    instant: bool,
    ago: timedelta,
    lapsed_as: str,
) -> None:
    Listing.objects.filter(pk=listing.pk).update(instant_booking=instant)
    now = timezone.now()
    lapsed = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now - ago)
    live = services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=1, now=now)
    assert lapsed.status_at(now) == lapsed_as
    told_before = _kinds(guest)

    services.cancel_slot(host=host, slot_id=slot.pk, reason="Storm warning", now=now)

    lapsed.refresh_from_db()
    live.refresh_from_db()
    # As the sweep records a lapse (core.lapse): no party, no reason.
    assert (lapsed.status, lapsed.cancelled_by, lapsed.cancel_reason) == (lapsed_as, "", "")
    assert (live.status, live.cancelled_by) == (Booking.Status.CANCELLED, Booking.Party.HOST)
    assert Kind.BOOKING_CANCELLED not in _kinds(guest)[len(told_before) :]
    slot.refresh_from_db()
    assert (slot.status, slot.seats_taken) == (Slot.Status.CANCELLED, 0)
