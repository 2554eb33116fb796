"""Review (session 22): the host's roster CSV gave "Booked at" as a wall-clock time with no time
zone: the listing's, which the file did not say (a host in another zone, or the spreadsheet
opened by someone else, read it as their own). The column names the zone it is written in."""

import csv
import io

import pytest
from django.test import Client

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.tests.conftest import NOW
from outings.catalog.models import Listing
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def _rows(client: Client, slot: Slot) -> list[list[str]]:
    response = client.get(f"/host/slots/{slot.pk}/roster.csv")
    assert response.status_code == 200
    body = response.getvalue().decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize(
    ("zone", "named", "booked_at"),
    [
        ("America/Toronto", "America/Toronto", "2030-05-01 08:00"),  # 12:00 UTC, EDT
        ("Asia/Kolkata", "Asia/Kolkata", "2030-05-01 17:30"),
        # A stored zone that is no IANA name is shown in UTC (common.zones.zone_or_utc).
        ("Mars/Olympus", "UTC", "2030-05-01 12:00"),
    ],
)
def test_the_roster_csv_says_in_which_time_zone_it_gives_the_booking_times(
    client: Client,
    host: HostProfile,
    listing: Listing,
    slot: Slot,
    guest: User,
    zone: str,
    named: str,
    booked_at: str,
) -> None:
    Listing.objects.filter(pk=listing.pk).update(time_zone=zone)
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    services.confirm_booking(guest=guest, reference=held.reference, now=NOW)
    client.force_login(host.user)

    header, row = _rows(client, slot)

    assert header[5] == f"Booked at ({named} time)"
    assert row[5] == booked_at
